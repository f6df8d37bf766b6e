/**
 * People stay in control: the connected apps page (`/account`) in a real browser, per-tool
 * authorization from Entra app roles, and the audit trail of one full flow. Real parts only:
 * headless Chromium, the embedded Entra emulator, the MCP SDK's client, the store.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AuditRecord } from '../src/audit/audit-event';
import { AuditTrail } from '../src/audit/audit-trail';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { AccessTokenVerifier } from '../src/shared/access-token-verifier.port';
import { UpstreamTokens } from '../src/oauth/upstream-tokens';
import { endsWithin, openSessionStream, SessionStream } from '../src/mcp/testing/mcp-test-clients';
import { itWithChromium, launchBrowser } from './support/browser';
import {
  authorizeUrl,
  authorizeWithBrowser,
  GENEROUS_RATE_LIMITS,
  newPkce,
  obtainTokens,
  redeemCode,
  refreshTokens,
  registerClient,
  revokeToken,
  RegisteredTestClient,
  TokenSet,
} from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(120_000);

/** A raw MCP `initialize` POST: 200 with a live token, 401 once its grant is revoked. */
function mcpInitialize(server: TestServer, accessToken: string): Promise<Response> {
  return fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
}

/** The MCP SDK's client with a bearer token over Streamable HTTP. */
async function mcpClient(server: TestServer, accessToken: string): Promise<Client> {
  const client = new Client({ name: 'account-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: { Authorization: `Bearer ${accessToken}` } } }));
  return client;
}

/** The browser's arrivals at clients' loopback redirect URIs (nobody listens there: the test plays the client). */
async function captureClientRedirects(context: BrowserContext): Promise<URL[]> {
  const landed: URL[] = [];
  await context.route(
    (url) => url.hostname === '127.0.0.1',
    async (route) => {
      landed.push(new URL(route.request().url()));
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<title>client</title>done' });
    },
  );
  return landed;
}

/** Plays a client in the browser: /authorize, then whatever the page asks (Allow, a demo user), until its redirect URI; returns the tokens. */
async function allowInBrowser(server: TestServer, page: Page, landed: URL[], client: RegisteredTestClient): Promise<{ tokens: TokenSet; consentShown: boolean }> {
  const redirect = new URL(client.redirect_uris[0]!);
  const pkce = newPkce();
  await page.goto(authorizeUrl(server, { client, pkce }).toString());
  const consentShown = new URL(page.url()).pathname === '/auth/consent';
  if (consentShown) await page.getByRole('button', { name: 'Allow', exact: true }).click();
  await page.waitForURL((url) => url.origin === redirect.origin || url.pathname.includes('/oauth2/v2.0/'), { timeout: 15_000 });
  // The emulator shows its sign-in page the first time only; afterwards it signs the browser in silently, as Entra does.
  if (new URL(page.url()).origin !== redirect.origin) {
    await page.getByRole('button', { name: 'Adele Vance' }).click();
    await page.waitForURL((url) => url.origin === redirect.origin, { timeout: 15_000 });
  }
  const code = landed.findLast((url) => url.origin === redirect.origin)?.searchParams.get('code');
  if (!code) throw new Error(`no code for ${client.client_name}`);
  const response = await redeemCode(server, client, code, pkce);
  expect(response.status).toBe(200);
  return { tokens: (await response.json()) as TokenSet, consentShown };
}

describe('People stay in control', () => {
  let server: TestServer;
  let audit: AuditTrail;

  beforeAll(async () => {
    // MCP_SESSION_IDLE_SECONDS=10: open sessions' grants are re-checked every 2.5 s.
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, AUDIT_LOG: 'store', MCP_SESSION_IDLE_SECONDS: '10' });
    audit = server.app.get(AuditTrail);
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('the connected apps page (/account)', () => {
    let browser: Browser | null = null;
    let context: BrowserContext;
    const streams: SessionStream[] = [];

    afterAll(async () => {
      streams.forEach((stream) => stream.abort());
      await browser?.close();
    });

    itWithChromium('lists the two clients the user allowed, revokes one: its token is refused at once, the other keeps working, and it must ask again', async () => {
      browser = await launchBrowser();
      context = await browser!.newContext();
      const landed = await captureClientRedirects(context);
      const page = await context.newPage();
      const alpha = await registerClient(server, { name: 'Alpha Notes' });
      const beta = await registerClient(server, { name: 'Beta Mail' });

      // 1. The user allows two clients in this browser.
      const a = await allowInBrowser(server, page, landed, alpha);
      const b = await allowInBrowser(server, page, landed, beta);
      expect([a.consentShown, b.consentShown]).toEqual([true, true]);
      expect((await mcpInitialize(server, a.tokens.access_token)).status).toBe(200);
      expect((await mcpInitialize(server, b.tokens.access_token)).status).toBe(200);

      // 2. The consent page links to the connected apps page; signing in there uses the same Entra sign-in (silent now).
      await page.goto(`${server.url}/account`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Connected apps');
      await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
      await page.waitForURL(`${server.url}/account`, { timeout: 15_000 });
      await expect(page.getByText('Signed in as').textContent()).resolves.toContain('Adele Vance');

      // 3. Both clients are listed: name, redirect host, scopes in words, first approval, last use.
      const alphaCard = page.getByRole('region', { name: 'Alpha Notes' });
      const betaCard = page.getByRole('region', { name: 'Beta Mail' });
      const alphaText = (await alphaCard.textContent()) ?? '';
      expect(alphaText).toContain(new URL(alpha.redirect_uris[0]!).host);
      expect(alphaText).toContain("Use this server's tools as you");
      expect(alphaText).toContain('Read your name and profile from Microsoft Graph');
      expect(alphaText).toMatch(/First allowed\s*\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      expect(alphaText).toMatch(/Last used\s*\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      expect(await betaCard.textContent()).toContain(new URL(beta.redirect_uris[0]!).host);

      // 4. Revoke Alpha Notes (both clients have an open MCP stream meanwhile).
      const alphaStream = await openSessionStream(server.url, 'sse', a.tokens.access_token);
      const betaStream = await openSessionStream(server.url, 'sse', b.tokens.access_token);
      streams.push(alphaStream, betaStream);
      await page.getByRole('button', { name: 'Revoke Alpha Notes' }).click();
      await page.waitForURL(`${server.url}/account?notice=revoked`);
      await expect(page.getByRole('status').textContent()).resolves.toContain('Access revoked');
      await expect(page.getByRole('region', { name: 'Alpha Notes' }).count()).resolves.toBe(0);
      await expect(page.getByRole('region', { name: 'Beta Mail' }).count()).resolves.toBe(1);

      // 5. Its tokens stop working at once; the other client's keep working.
      const refused = await mcpInitialize(server, a.tokens.access_token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const refreshed = await refreshTokens(server, alpha, a.tokens.refresh_token!);
      expect(refreshed.status).toBe(400);
      expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await mcpInitialize(server, b.tokens.access_token)).status).toBe(200);
      expect(await endsWithin(alphaStream, 6_000)).toBe('ended');
      expect(await endsWithin(betaStream, 300)).toBe('open');
      const alphaEvents = (await audit.query({ clientId: alpha.client_id })).reverse();
      expect(alphaEvents.map((e) => e.event)).toEqual(['consent.given', 'grant.created', 'grant.revoked']);
      expect(alphaEvents[2]).toMatchObject({ by: 'user', oid: alphaEvents[1]!.oid, grantId: alphaEvents[1]!.grantId });

      // 6. This browser's consent to it is gone: the consent page shows again; the other client still goes straight to Entra.
      const cookie = (await context.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join('; ');
      const alphaAgain = await fetch(authorizeUrl(server, { client: alpha }), { redirect: 'manual', headers: { cookie } });
      expect(alphaAgain.headers.get('location')).toMatch(/^\/auth\/consent\?request=/);
      const betaAgain = await fetch(authorizeUrl(server, { client: beta }), { redirect: 'manual', headers: { cookie } });
      expect(new URL(betaAgain.headers.get('location')!).origin).toBe(server.config.entra.authorityOrigin);

      // 7. Sign out: the page asks to sign in again.
      await page.goto(`${server.url}/account`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${server.url}/account?notice=signed-out`);
      await expect(page.getByRole('link', { name: 'Sign in with Microsoft' }).count()).resolves.toBe(1);
      await context.close();
    });

    it('shows a sign-in page (no data) without a session, and refuses forms without the session and its CSRF token', async () => {
      const page = await fetch(`${server.url}/account`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(await page.text()).toContain('href="/account/sign-in"');

      const noSession = await fetch(`${server.url}/account/revoke`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=x&csrf_token=y' });
      expect(noSession.status).toBe(303);
      expect(noSession.headers.get('location')).toBe('/account');

      const crossOrigin = await fetch(`${server.url}/account/revoke`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
        body: 'client_id=x&csrf_token=y',
      });
      expect(crossOrigin.status).toBe(403);
    });

    it('starts the Entra sign-in with state bound to this browser (the callback rules of the client flow apply)', async () => {
      const response = await fetch(`${server.url}/account/sign-in`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.origin).toBe(server.config.entra.authorityOrigin);
      expect(location.searchParams.get('code_challenge_method')).toBe('S256');
      expect(response.headers.get('set-cookie')).toMatch(/^mcp_auth_state=[0-9a-f]{64};.*HttpOnly/);
      // The same Entra answer in another browser (without the binding cookie) is refused.
      const elsewhere = await fetch(`${server.url}/auth/callback?code=x&state=${location.searchParams.get('state')}`, { redirect: 'manual' });
      expect(elsewhere.status).toBe(400);
      expect(await elsewhere.text()).toContain('different browser');
    });
  });

  describe('per-tool authorization (Entra app roles)', () => {
    it('hides the Tools.Admin tool from Megan Bowen (no role) and refuses her call, naming the role', async () => {
      const megan = await obtainTokens(server, { user: 'Megan Bowen' });
      const client = await mcpClient(server, megan.accessToken);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).not.toContain('get_server_status');
        expect(tools.map((t) => t.name)).toContain('whoami');
        const result = await client.callTool({ name: 'get_server_status', arguments: {} });
        expect(result.isError).toBe(true);
        expect((result.content as { text: string }[])[0]!.text).toBe(
          'The tool get_server_status needs the app role Tools.Admin, which your account does not have; an administrator can assign it in Microsoft Entra ID, then sign in again.',
        );
      } finally {
        await client.close();
      }
      const denied = await audit.query({ event: 'tool_call.denied', clientId: megan.clientId });
      expect(denied).toEqual([expect.objectContaining({ tool: 'get_server_status', missingRoles: ['Tools.Admin'], clientId: megan.clientId, oid: expect.any(String) })]);
    });

    it('shows Adele Vance (Tools.Admin) the tool with its required role, and runs it for her', async () => {
      const adele = await obtainTokens(server, { user: 'Adele Vance' });
      const client = await mcpClient(server, adele.accessToken);
      try {
        const { tools } = await client.listTools();
        const gated = tools.find((t) => t.name === 'get_server_status');
        expect(gated?._meta).toEqual({ 'mcp-entra-server/authorization': { roles: ['Tools.Admin'] } });
        const result = await client.callTool({ name: 'get_server_status', arguments: {} });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toMatchObject({ server: 'mcp-entra-server', store: 'sqlite', auditLog: 'store' });
      } finally {
        await client.close();
      }
    });
  });

  describe('roles kept with the grant and refreshed with it', () => {
    it('a role assigned in Entra reaches the grant at the next upstream refresh: Megan Bowen then sees and runs the gated tool', async () => {
      const emulator = server.app.get(EntraEmulator);
      try {
        const megan = await obtainTokens(server, { user: 'Megan Bowen' });
        emulator.setAppRoles('Megan Bowen', ['Tools.Admin']);
        // Her grant still holds the roles of her sign-in: its Entra token is fresh, nothing has refreshed it.
        const before = await mcpClient(server, megan.accessToken);
        expect((await before.listTools()).tools.map((t) => t.name)).not.toContain('get_server_status');
        await before.close();
        // The next upstream refresh (the Entra token expired — an MCP request or the client's refresh finds it
        // so — or Graph rejected it) brings a new id_token, which carries the role.
        const { grantId } = await server.app.get(AccessTokenVerifier).verify(megan.accessToken);
        await server.app.get(UpstreamTokens).getGraphAccessToken(grantId, { forceRefresh: true });
        const refreshed = await refreshTokens(server, megan.client, megan.refreshToken!);
        expect(refreshed.status).toBe(200);
        const after = await mcpClient(server, ((await refreshed.json()) as TokenSet).access_token);
        try {
          expect((await after.listTools()).tools.map((t) => t.name)).toContain('get_server_status');
          expect((await after.callTool({ name: 'get_server_status', arguments: {} })).isError).toBeFalsy();
        } finally {
          await after.close();
        }
      } finally {
        emulator.setAccessTokenLifetime(3600);
        emulator.setAppRoles('Megan Bowen', []);
      }
    });
  });

  describe('the audit trail (AUDIT_LOG=store)', () => {
    it('records one full flow in order: consent given, grant created, reuse detected, grant revoked; then consent denied', async () => {
      const reuse = await startTestServer({ ...GENEROUS_RATE_LIMITS, AUDIT_LOG: 'store', REFRESH_GRACE_SECONDS: '0' });
      try {
        const trail = reuse.app.get(AuditTrail);
        const first = await obtainTokens(reuse);
        const rotated = await refreshTokens(reuse, first.client, first.refreshToken!);
        expect(rotated.status).toBe(200);
        const replay = await refreshTokens(reuse, first.client, first.refreshToken!);
        expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
        const denied = await registerClient(reuse, { name: 'Denied client' });
        const flow = await authorizeWithBrowser(reuse, authorizeUrl(reuse, { client: denied }), { jar: first.jar, decision: 'Deny' });
        expect(flow.error).toBe('access_denied');

        const events: AuditRecord[] = (await trail.query()).reverse();
        const oid = events.find((e) => e.event === 'grant.created')?.oid;
        const grantId = events.find((e) => e.event === 'grant.created')?.grantId;
        expect(events.map(({ event, by, clientId }) => ({ event, ...(by ? { by } : {}), clientId }))).toEqual([
          { event: 'consent.given', clientId: first.clientId },
          { event: 'grant.created', clientId: first.clientId },
          { event: 'refresh_token.reuse_detected', clientId: first.clientId },
          { event: 'grant.revoked', by: 'reuse_detection', clientId: first.clientId },
          { event: 'consent.denied', clientId: denied.client_id },
        ]);
        expect(events.slice(1, 4).every((e) => e.oid === oid && e.grantId === grantId)).toBe(true);
        expect(events.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
        // No tokens, no names, no e-mail addresses: only the object id and the client id identify anyone.
        const text = JSON.stringify(events);
        for (const secret of [first.accessToken, first.refreshToken!, 'Adele', 'adelev@']) expect(text).not.toContain(secret);

        // The same records from the command line, as an operator queries them (same DATA_DIR).
        const { stdout } = await promisify(execFile)(
          'node_modules/.bin/ts-node',
          ['--transpile-only', '-P', 'tsconfig.json', 'src/audit/audit.cli.ts', '--client', first.clientId, '--event', 'grant.revoked'],
          { env: { PATH: process.env.PATH, NODE_ENV: 'test', DATA_DIR: reuse.dataDir, AUDIT_LOG: 'store' } },
        );
        expect(stdout.trim().split('\n').map((line) => JSON.parse(line) as AuditRecord)).toEqual([
          expect.objectContaining({ event: 'grant.revoked', by: 'reuse_detection', clientId: first.clientId, oid }),
        ]);
      } finally {
        await reuse.close();
      }
    });

    it('records who ended each grant: the client (POST /revoke), and Entra refusing the upstream refresh', async () => {
      const byClient = await obtainTokens(server);
      expect((await revokeToken(server, byClient.client, byClient.accessToken)).status).toBe(200);
      expect(await audit.query({ clientId: byClient.clientId, event: 'grant.revoked' })).toEqual([expect.objectContaining({ by: 'client' })]);

      const emulator = server.app.get(EntraEmulator);
      emulator.setAccessTokenLifetime(1);
      try {
        const refused = await obtainTokens(server);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        await emulator.revokeRefreshTokens();
        const refresh = await refreshTokens(server, refused.client, refused.refreshToken!);
        expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
        expect(await audit.query({ clientId: refused.clientId, event: 'grant.revoked' })).toEqual([expect.objectContaining({ by: 'entra_refusal' })]);
      } finally {
        emulator.setAccessTokenLifetime(3600);
      }
    });
  });
});
