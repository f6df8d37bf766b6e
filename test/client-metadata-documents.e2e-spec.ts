/**
 * Client ID Metadata Documents (MCP Authorization 2025-11-25 and 2026-07-28;
 * draft-ietf-oauth-client-id-metadata-document): an MCP client names itself with the https URL
 * of a JSON document it publishes, and uses that URL as its client_id without registering.
 * The server fetches the document SSRF-safe, validates it, shows the document's host on the
 * consent page and asks for consent every time. Documents are served here by a local web server;
 * CIMD_ALLOW_LOOPBACK (development and tests only) lets this server fetch from loopback.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { firstText } from '../src/mcp/testing/mcp-test-clients';
import { AccessTokenVerifier, InvalidTokenError } from '../src/shared/access-token-verifier.port';
import { itWithChromium, launchBrowser } from './support/browser';
import { CookieJarClient } from './support/cookie-jar';
import { selfSignedCertificate, startDocumentServer, DocumentServer, Certificate } from './support/document-server';
import { INSPECTOR_LAUNCHER, NODE22, requireInspector } from './support/inspector';
import {
  authorizeUrl,
  authorizeWithBrowser,
  CapturingOAuthProvider,
  GENEROUS_RATE_LIMITS,
  loopbackRedirectUri,
  newPkce,
  obtainTokens,
  redeemCode,
  refreshTokens,
  RegisteredTestClient,
  revokeToken,
  TokenSet,
} from './support/oauth-flow';
import { spawnServer, SpawnedProcess, waitForOutput } from './support/spawn-server';
import { freePort, startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

/** The visible text of one of our pages (tags dropped, entities decoded, spaces collapsed). */
function pageText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/\s+/g, ' ')
    .trim();
}

const PREFIX = "The application's client metadata document could not be used:";

describe('Client ID Metadata Documents: MCP clients identified by an https URL, no registration needed', () => {
  let server: TestServer;
  let docs: DocumentServer;
  let verifier: AccessTokenVerifier;
  let count = 0;

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, CIMD_ALLOW_LOOPBACK: 'true' });
    verifier = server.app.get(AccessTokenVerifier);
    docs = await startDocumentServer();
  });

  afterAll(async () => {
    await docs?.close();
    await server?.close();
  });

  /** Publishes a document for a new client at a fresh path; `overrides` replace (or with undefined, drop) its fields. */
  function publish(overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const path = `/clients/${++count}/client-metadata.json`;
    const redirectUri = loopbackRedirectUri();
    const document: Record<string, unknown> = {
      client_id: docs.url(path),
      client_name: 'Document client',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...overrides,
    };
    docs.serveJson(path, document, headers);
    const client: RegisteredTestClient = {
      client_id: docs.url(path),
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    };
    return { path, document, client, redirectUri };
  }

  /** `GET /authorize` for a client id URL, not following redirects: what the browser gets first. */
  async function authorizeFirstHop(client: RegisteredTestClient) {
    const response = await fetch(authorizeUrl(server, { client }), { redirect: 'manual' });
    return { response, text: pageText(await response.text()) };
  }

  function expectRefusalPage(result: { response: Response; text: string }, reason: string) {
    expect(result.response.status).toBe(400);
    expect(result.response.headers.get('location')).toBeNull();
    expect(result.response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(result.response.headers.get('x-frame-options')).toBe('DENY');
    expect(result.text).toContain(`${PREFIX} ${reason}.`);
  }

  describe('discovery', () => {
    it('advertises client_id_metadata_document_supported and keeps dynamic registration', async () => {
      const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      expect(metadata.client_id_metadata_document_supported).toBe(true);
      expect(metadata.registration_endpoint).toBe(`${server.url}/register`);
      expect(metadata.token_endpoint_auth_methods_supported).toContain('none');
    });
  });

  describe('signing in with a document URL as client_id', () => {
    it('names the document host on the consent page, then issues, refreshes and revokes tokens as for any client', async () => {
      const { client, path } = publish({ client_name: 'Doc <b>Tool</b>' });

      const consent = await new CookieJarClient().followRedirects(authorizeUrl(server, { client }));
      expect(consent.url.pathname).toBe('/auth/consent');
      const html = await consent.response.text();
      expect(html).toContain(`An application from <strong>${new URL(docs.origin).host}</strong>`);
      expect(html).toContain('Doc &#60;b&#62;Tool&#60;&#47;b&#62;');
      expect(pageText(html)).toContain('You are asked every time this application signs in');

      const tokens = await obtainTokens(server, { client, user: 'Megan Bowen' });
      expect(await verifier.verify(tokens.accessToken)).toMatchObject({ name: 'Megan Bowen', clientId: docs.url(path), scopes: ['mcp:tools', 'user.read'] });

      const refreshed = await refreshTokens(server, client, tokens.refreshToken!);
      expect(refreshed.status).toBe(200);
      const pair = (await refreshed.json()) as TokenSet;
      expect((await verifier.verify(pair.access_token)).name).toBe('Megan Bowen');

      expect((await revokeToken(server, client, pair.refresh_token!)).status).toBe(200);
      await expect(verifier.verify(pair.access_token)).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('asks for consent again on the second authorization in the same browser (never remembered: GHSA-6x8h-498w-gv8c)', async () => {
      const { client } = publish();
      const jar = new CookieJarClient();
      const first = await authorizeWithBrowser(server, authorizeUrl(server, { client }), { jar });
      expect(first).toMatchObject({ reachedClient: true, consentShown: true });
      const second = await authorizeWithBrowser(server, authorizeUrl(server, { client }), { jar });
      expect(second).toMatchObject({ reachedClient: true, consentShown: true });
      expect(second.code).toBeDefined();
    });

    it('refuses a redirect_uri that the document does not list, as a page (no open redirect)', async () => {
      const { client } = publish();
      const response = await fetch(authorizeUrl(server, { client, redirectUri: 'https://attacker.example/cb' }), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(pageText(await response.text())).toContain('The redirect address in the request is not one this application registered.');
    });

    it('keeps a document as long as its caching headers allow, and fetches a no-store document on every use', async () => {
      const cached = publish({}, { 'cache-control': 'max-age=300' });
      await authorizeFirstHop(cached.client);
      await authorizeFirstHop(cached.client);
      expect(docs.hits(cached.path)).toBe(1);

      const uncached = publish({}, { 'cache-control': 'no-store' });
      await authorizeFirstHop(uncached.client);
      await authorizeFirstHop(uncached.client);
      expect(docs.hits(uncached.path)).toBe(2);
    });

    it('keeps a grant across a change of the document only while the document still lists its redirect URI', async () => {
      const { client, path, document, redirectUri } = publish({}, { 'cache-control': 'no-store' });
      const tokens = await obtainTokens(server, { client });

      // The client adds a redirect URI: the grant lives on.
      docs.serveJson(path, { ...document, redirect_uris: [redirectUri, 'https://client.example.com/cb'], client_name: 'Renamed' }, { 'cache-control': 'no-store' });
      const refreshed = await refreshTokens(server, client, tokens.refreshToken!);
      expect(refreshed.status).toBe(200);
      const pair = (await refreshed.json()) as TokenSet;

      // The client drops the redirect URI the grant was made for: refresh fails and the grant ends.
      docs.serveJson(path, { ...document, redirect_uris: ['https://client.example.com/cb'] }, { 'cache-control': 'no-store' });
      const refused = await refreshTokens(server, client, pair.refresh_token!);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'The application no longer lists the redirect URI this authorization was made for; the authorization has been revoked, please sign in again.',
      });
      await expect(verifier.verify(pair.access_token)).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('does not redeem a code once the document has dropped the redirect URI it was issued for', async () => {
      const { client, path, document } = publish({}, { 'cache-control': 'no-store' });
      const pkce = newPkce();
      const flow = await authorizeWithBrowser(server, authorizeUrl(server, { client, pkce }));
      expect(flow.code).toBeDefined();
      docs.serveJson(path, { ...document, redirect_uris: ['https://client.example.com/cb'] }, { 'cache-control': 'no-store' });
      const response = await redeemCode(server, client, flow.code!, pkce);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('answers invalid_client (401, JSON, with the reason) at the token endpoint when the document cannot be used', async () => {
      const { client, path, document } = publish({}, { 'cache-control': 'no-store' });
      const tokens = await obtainTokens(server, { client });
      docs.serveJson(path, { ...document, client_id: 'https://someone-else.example/client.json' }, { 'cache-control': 'no-store' });
      const response = await refreshTokens(server, client, tokens.refreshToken!);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: 'invalid_client',
        error_description: `${PREFIX} the client_id in the document is not exactly the URL it was fetched from.`,
      });
    });

    itWithChromium('shows the document host on the consent page in a real browser (headless Chromium)', async () => {
      const browser = await launchBrowser();
      try {
        const { client, redirectUri } = publish({ client_name: 'Chromium document client' });
        const context = await browser!.newContext();
        const page = await context.newPage();
        let landed: URL | undefined;
        await page.route(`${new URL(redirectUri).origin}/**`, async (route) => {
          landed = new URL(route.request().url());
          await route.fulfill({ status: 200, contentType: 'text/html', body: '<title>client</title>signed in' });
        });
        await page.goto(authorizeUrl(server, { client }).toString());
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Chromium document client');
        await expect(page.getByLabel('Application origin').textContent()).resolves.toBe(`An application from ${new URL(docs.origin).host}`);
        await page.getByRole('button', { name: 'Allow', exact: true }).click();
        await page.getByRole('button', { name: 'Adele Vance' }).click();
        await page.waitForURL((url) => url.origin === new URL(redirectUri).origin, { timeout: 15_000 });
        expect(landed?.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);

        // Second sign-in in the same browser: the consent page again, with the host.
        await page.goto(authorizeUrl(server, { client }).toString());
        await expect(page.getByLabel('Application origin').textContent()).resolves.toBe(`An application from ${new URL(docs.origin).host}`);
        await context.close();
      } finally {
        await browser?.close();
      }
    });
  });

  describe('documents that are refused: invalid_client, shown as a page, never redirected', () => {
    it('a document whose client_id is not exactly its URL', async () => {
      const { client } = publish({ client_id: 'https://client.example.com/client-metadata.json' });
      expectRefusalPage(await authorizeFirstHop(client), 'the client_id in the document is not exactly the URL it was fetched from');
    });

    it('a document without redirect_uris', async () => {
      const { client } = publish({ redirect_uris: undefined });
      expectRefusalPage(await authorizeFirstHop(client), 'redirect_uris is missing (it must list the redirect URIs)');
    });

    it('a document whose redirect URI breaks the registration policy', async () => {
      const { client } = publish({ redirect_uris: ['http://client.example.com/cb'] });
      expectRefusalPage(await authorizeFirstHop({ ...client, redirect_uris: ['http://client.example.com/cb'] }), 'one of its redirect_uris must use https (http is only allowed on localhost, 127.0.0.1 or [::1])');
    });

    it('a document asking for private_key_jwt (not supported here)', async () => {
      const { client } = publish({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example.com/jwks.json' });
      expectRefusalPage(await authorizeFirstHop(client), 'it asks for private_key_jwt client authentication, which this server does not support (use token_endpoint_auth_method none)');
    });

    it('a document larger than 10 KB, with or without a Content-Length', async () => {
      const big = publish({ software_id: 'x'.repeat(200), contacts: Array.from({ length: 10 }, () => 'y'.repeat(300)) });
      expect(JSON.stringify(big.document).length).toBeLessThan(10 * 1024);
      const padded = { ...big.document, padding: 'z'.repeat(11 * 1024) };
      docs.serveJson(big.path, padded);
      expectRefusalPage(await authorizeFirstHop(big.client), 'it is larger than 10 KB');

      const streamed = publish();
      let written = 0;
      docs.serve(streamed.path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => {
          if (written > 1024 * 1024 || res.destroyed) return clearInterval(timer);
          written += 4096;
          res.write(' '.repeat(4096));
        }, 1);
      });
      expectRefusalPage(await authorizeFirstHop(streamed.client), 'it is larger than 10 KB');
      expect(written).toBeLessThan(1024 * 1024);
    });

    it('a document that takes longer than 5 seconds', async () => {
      const { client, path } = publish();
      docs.serve(path, (_req, res) => {
        const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 8_000);
        res.on('close', () => clearTimeout(timer));
      });
      const started = Date.now();
      expectRefusalPage(await authorizeFirstHop(client), 'its server did not answer within 5 seconds');
      expect(Date.now() - started).toBeLessThan(7_000);
    });

    it('a document URL that redirects (redirects are not followed)', async () => {
      const target = publish();
      const { client, path } = publish();
      docs.serve(path, (_req, res) => res.writeHead(302, { location: target.client.client_id }).end());
      expectRefusalPage(await authorizeFirstHop(client), 'its server answered with a redirect (HTTP 302), and redirects are not followed');
      expect(docs.hits(target.path)).toBe(0);
    });

    it('a document that is not JSON', async () => {
      const html = publish();
      docs.serve(html.path, (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
      expectRefusalPage(await authorizeFirstHop(html.client), 'it is not JSON (its Content-Type is text/html)');

      const broken = publish();
      docs.serve(broken.path, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"client_id":'));
      expectRefusalPage(await authorizeFirstHop(broken.client), 'it is not valid JSON');
    });

    it.each([
      ['https://10.0.0.1/client-metadata.json', 'its host 10.0.0.1 is a private address, which this server does not fetch from'],
      ['https://169.254.169.254/latest/client.json', 'its host 169.254.169.254 is a link-local (cloud metadata) address, which this server does not fetch from'],
      ['https://[::ffff:169.254.169.254]/client.json', 'its host [::ffff:a9fe:a9fe] is a link-local (cloud metadata) address, which this server does not fetch from'],
      ['https://[fd00:ec2::254]/client.json', 'its host [fd00:ec2::254] is a private address, which this server does not fetch from'],
      ['https://100.100.100.200/client.json', 'its host 100.100.100.200 is a carrier-grade NAT address, which this server does not fetch from'],
    ])('a document at a private or reserved address: %s', async (clientId, reason) => {
      expectRefusalPage(await authorizeFirstHop({ client_id: clientId, redirect_uris: [loopbackRedirectUri()], token_endpoint_auth_method: 'none', grant_types: [] }), reason);
    });

    it.each([
      ['http://client.example.com/client.json', 'its client_id URL does not use https'],
      ['https://client.example.com/', 'its client_id URL has no path (the document must be at a path such as /client-metadata.json)'],
      ['https://client.example.com/a/../client.json', 'its client_id URL contains dot segments (. or ..) in its path'],
    ])('a client_id URL the draft does not allow: %s', async (clientId, reason) => {
      expectRefusalPage(await authorizeFirstHop({ client_id: clientId, redirect_uris: [loopbackRedirectUri()], token_endpoint_auth_method: 'none', grant_types: [] }), reason);
    });

    it('a document served with a certificate this server does not trust', async () => {
      const certificate = selfSignedCertificate();
      if (!certificate) return;
      const untrusted = await startDocumentServer({ tls: certificate });
      try {
        const clientId = untrusted.url('/client-metadata.json');
        untrusted.serveJson('/client-metadata.json', { client_id: clientId, redirect_uris: [loopbackRedirectUri()] });
        expectRefusalPage(
          await authorizeFirstHop({ client_id: clientId, redirect_uris: [loopbackRedirectUri()], token_endpoint_auth_method: 'none', grant_types: [] }),
          "its server's TLS certificate could not be verified",
        );
      } finally {
        await untrusted.close();
        certificate.remove();
      }
    });
  });

  describe('without CIMD_ALLOW_LOOPBACK (the production behaviour)', () => {
    let strict: TestServer;

    beforeAll(async () => {
      strict = await startTestServer({ ...GENEROUS_RATE_LIMITS });
    });

    afterAll(async () => {
      await strict?.close();
    });

    it.each([
      ['http://127.0.0.1:PORT/doc.json', 'its client_id URL does not use https'],
      ['https://localhost:PORT/doc.json', 'its host localhost is a loopback address, which this server does not fetch from'],
      ['https://127.0.0.1:PORT/doc.json', 'its host 127.0.0.1 is a loopback address, which this server does not fetch from'],
      ['https://[::1]:PORT/doc.json', 'its host [::1] is a loopback address, which this server does not fetch from'],
    ])('refuses a document on this machine: %s', async (template, reason) => {
      const clientId = template.replace('PORT', new URL(docs.origin).port);
      const client = { client_id: clientId, redirect_uris: [loopbackRedirectUri()], token_endpoint_auth_method: 'none', grant_types: [] };
      const response = await fetch(authorizeUrl(strict, { client }), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(pageText(await response.text())).toContain(`${PREFIX} ${reason}.`);
    });
  });
});

describe('real MCP clients sign in with a document served over https (self-signed certificate trusted by the server)', () => {
  jest.setTimeout(120_000);
  let certificate: Certificate | null;
  let docs: DocumentServer;
  let spawned: { server: SpawnedProcess; url: string } | undefined;

  beforeAll(async () => {
    certificate = selfSignedCertificate();
    if (!certificate) return;
    docs = await startDocumentServer({ tls: certificate });
    // The server trusts the test's certificate the standard Node way; its TLS checks stay on.
    spawned = await spawnServer({ ...GENEROUS_RATE_LIMITS, CIMD_ALLOW_LOOPBACK: 'true', NODE_EXTRA_CA_CERTS: certificate.certFile });
  });

  afterAll(async () => {
    await spawned?.server.stop();
    await docs?.close();
    certificate?.remove();
  });

  it('warns in the start-up log while CIMD_ALLOW_LOOPBACK is on', async () => {
    if (!spawned) return;
    await waitForOutput(spawned.server, 'CIMD_ALLOW_LOOPBACK is on');
  });

  it('the MCP SDK client (auth() with clientMetadataUrl): sends its document URL as client_id, the user consents, the tool answers', async () => {
    if (!spawned) return;
    const serverUrl = `${spawned.url}/mcp`;
    const provider = new CapturingOAuthProvider();
    const clientMetadataUrl = docs.url('/oauth/mcp-client.json');
    provider.clientMetadataUrl = clientMetadataUrl;
    docs.serveJson('/oauth/mcp-client.json', { ...provider.clientMetadata, client_id: clientMetadataUrl, client_name: 'SDK document client' });

    expect(await auth(provider, { serverUrl })).toBe('REDIRECT');
    const authorization = provider.authorizationUrl!;
    expect(authorization.searchParams.get('client_id')).toBe(clientMetadataUrl);

    const flow = await authorizeWithBrowser({ url: spawned.url }, authorization, { jar: new CookieJarClient(), user: 'Adele Vance' });
    expect(flow).toMatchObject({ reachedClient: true, consentShown: true, signInShown: true, iss: spawned.url });
    expect(await auth(provider, { serverUrl, authorizationCode: flow.code })).toBe('AUTHORIZED');
    expect(provider.savedTokens).toMatchObject({ token_type: 'Bearer', scope: 'mcp:tools user.read' });
    expect(docs.hits('/oauth/mcp-client.json')).toBeGreaterThan(0);

    const client = new Client({ name: 'cimd-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider }));
    try {
      expect(firstText(await client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
    } finally {
      await client.close();
    }
  });

  it('MCP Inspector 2.12 CLI (--client-metadata-url): signs in without registering and calls get_user_name', async () => {
    if (!spawned || !requireInspector()) return;
    const home = mkdtempSync(join(tmpdir(), 'inspector-home-'));
    const callbackUrl = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    const documentUrl = docs.url('/inspector/client-metadata.json');
    docs.serveJson('/inspector/client-metadata.json', {
      client_id: documentUrl,
      client_name: 'MCP Inspector (test)',
      redirect_uris: [callbackUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    const args = [INSPECTOR_LAUNCHER, '--cli', `${spawned.url}/mcp`, '--transport', 'http', '--client-metadata-url', documentUrl, '--callback-url', callbackUrl];
    const child = spawn(NODE22, [...args, '--method', 'tools/call', '--tool-name', 'get_user_name', '--format', 'json'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        XDG_CONFIG_HOME: home,
        MCP_STORAGE_DIR: join(home, 'storage'),
        MCP_INSPECTOR_SECRET_STORE: 'memory',
        // Without a TTY Inspector signs in only when it may open a browser; `true` stands in for one.
        MCP_AUTO_OPEN_ENABLED: 'true',
        BROWSER: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      // Inspector prints the authorization URL; the test plays the browser.
      const deadline = Date.now() + 60_000;
      let match: RegExpExecArray | null = null;
      while (!(match = /Please navigate to: (\S+)/.exec(stderr))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Inspector printed no authorization URL:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const authorization = new URL(match[1]!);
      expect(authorization.searchParams.get('client_id')).toBe(documentUrl);
      const flow = await authorizeWithBrowser({ url: spawned.url }, authorization, { jar: new CookieJarClient(), redirectUri: callbackUrl });
      expect(flow).toMatchObject({ reachedClient: true, consentShown: true, signInShown: true });
      await fetch(flow.url); // the browser lands on Inspector's callback listener with the code

      expect(await exited).toBe(0);
      expect(stdout).toContain('Adele Vance');
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      rmSync(home, { recursive: true, force: true });
    }
  });
});
