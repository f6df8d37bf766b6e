/**
 * Entra direct mode (AUTH_MODE=direct): Microsoft Entra ID is the authorization server and this
 * server a pure resource server. A client that can talk to Entra (here the emulator's
 * pre-authorized public client, as VS Code is in a real tenant) gets an access token for the
 * server's API with PKCE and calls the tools with it; Graph is called On-Behalf-Of the user.
 * Every rule of the token validation has its own refused case.
 */
import { generateKeyPairSync, createHmac } from 'node:crypto';
import { exportJWK, importJWK, SignJWT } from 'jose';
import { EMULATOR_TENANT_ID } from '../src/config/emulator.constants';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { connectClient, firstText, McpTransportName } from '../src/mcp/testing/mcp-test-clients';
import { entraApiToken, jwtClaims, jwtHeader } from './support/entra-direct';
import { GENEROUS_RATE_LIMITS, obtainTokens } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(120_000);

const TRANSPORTS: McpTransportName[] = ['streamable-http-2026', 'streamable-http', 'sse'];
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

function postMcp(server: TestServer, token: string): Promise<Response> {
  return fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify(initialize),
  });
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Entra direct mode (AUTH_MODE=direct)', () => {
  let server: TestServer;
  let emulator: EntraEmulator;
  let apiScope: string;
  let challenge: string;

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, AUTH_MODE: 'direct', AUTH_JWKS_COOLDOWN_SECONDS: '0' });
    emulator = server.app.get(EntraEmulator);
    apiScope = `${emulator.api.applicationIdUri}/${emulator.api.scope}`;
    challenge = `Bearer resource_metadata="${server.config.serverOrigin}/.well-known/oauth-protected-resource", scope="${apiScope}"`;
  });

  afterAll(async () => {
    emulator?.allowOnBehalfOf();
    await server?.close();
  });

  describe('discovery', () => {
    it("names Entra's v2.0 issuer of the tenant as the only authorization server and the API scope as scopes_supported", async () => {
      const response = await fetch(`${server.url}/.well-known/oauth-protected-resource`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        resource: `${server.config.serverOrigin}/`,
        authorization_servers: [emulator.issuer],
        scopes_supported: [apiScope],
      });
    });

    it.each([
      ['GET', '/.well-known/oauth-authorization-server'],
      ['POST', '/register'],
      ['GET', '/authorize?response_type=code&client_id=x'],
      ['GET', '/auth/callback?code=x&state=y'],
      ['POST', '/token'],
      ['POST', '/revoke'],
      ['GET', '/account'],
    ])("turns this server's own authorization server off: %s %s answers 404", async (method, path) => {
      const response = await fetch(`${server.url}${path}`, { method, redirect: 'manual' });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'not_found' });
    });

    it("challenges a request without a token with Entra's API scope", async () => {
      const response = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(initialize) });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(challenge);
    });
  });

  describe('a client that gets an API token from Entra with PKCE', () => {
    it("receives a v2.0 JWT with Entra's claim set (app roles and groups included), signed RS256", async () => {
      const { accessToken, scope } = await entraApiToken(emulator);
      expect(scope).toContain(apiScope);
      expect(jwtHeader(accessToken)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
      const claims = jwtClaims(accessToken);
      expect(claims).toMatchObject({
        iss: emulator.issuer,
        tid: EMULATOR_TENANT_ID,
        aud: emulator.api.clientId,
        scp: emulator.api.scope,
        azp: emulator.publicClientId,
        oid: emulator.users[0]!.oid,
        name: 'Adele Vance',
        preferred_username: emulator.users[0]!.preferredUsername,
        roles: ['Tools.Admin'],
        groups: emulator.users[0]!.groups,
        ver: '2.0',
      });
      expect(claims).not.toHaveProperty('client_id');
      expect(claims).not.toHaveProperty('scope');
    });

    it.each(TRANSPORTS)('calls whoami, get_user_name and get_user_profile over %s', async (transport) => {
      const { accessToken } = await entraApiToken(emulator, 'Megan Bowen');
      const connected = await connectClient(server.url, transport, accessToken);
      try {
        const whoami = await connected.client.callTool({ name: 'whoami', arguments: {} });
        expect(whoami.structuredContent).toEqual({
          oid: emulator.users[1]!.oid,
          tid: EMULATOR_TENANT_ID,
          name: 'Megan Bowen',
          preferredUsername: emulator.users[1]!.preferredUsername,
          clientId: emulator.publicClientId,
          scopes: ['mcp:tools', 'user.read'],
        });
        expect(firstText(await connected.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Megan Bowen');
        const profile = await connected.client.callTool({ name: 'get_user_profile', arguments: {} });
        expect(profile.structuredContent).toMatchObject({ displayName: 'Megan Bowen', userPrincipalName: emulator.users[1]!.preferredUsername });
      } finally {
        await connected.close();
      }
    });
  });

  describe("the access token's app roles and groups (per-tool authorization)", () => {
    it('let a user with the Tools.Admin role (in the token) call get_server_status, and refuse one without it', async () => {
      const admin = await connectClient(server.url, 'streamable-http', (await entraApiToken(emulator, 'Adele Vance')).accessToken);
      const status = await admin.client.callTool({ name: 'get_server_status', arguments: {} });
      expect(status.isError).toBeFalsy();
      await admin.close();

      const user = await connectClient(server.url, 'streamable-http', (await entraApiToken(emulator, 'Megan Bowen')).accessToken);
      const refused = await user.client.callTool({ name: 'get_server_status', arguments: {} });
      await user.close();
      expect(refused.isError).toBe(true);
      expect(firstText(refused)).toContain('needs the app role Tools.Admin');
    });
  });

  describe('Graph On-Behalf-Of the caller', () => {
    it('exchanges once per user and reuses the Graph token for later calls', async () => {
      emulator.resetOnBehalfOfExchangeCount();
      const first = await entraApiToken(emulator, 'Alex Wilber');
      const second = await entraApiToken(emulator, 'Alex Wilber');
      for (const { accessToken } of [first, second, first]) {
        const connected = await connectClient(server.url, 'streamable-http', accessToken);
        expect(firstText(await connected.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Alex Wilber');
        await connected.close();
      }
      expect(emulator.onBehalfOfExchangeCount).toBe(1);
    });

    it('turns AADSTS65001 (no consent) into a tool error that says what the user must do', async () => {
      emulator.refuseOnBehalfOf();
      try {
        const { accessToken } = await entraApiToken(emulator, 'Adele Vance');
        const connected = await connectClient(server.url, 'streamable-http-2026', accessToken);
        const result = await connected.client.callTool({ name: 'get_user_name', arguments: {} });
        await connected.close();
        expect(result.isError).toBe(true);
        const text = firstText(result);
        expect(text).toContain('AADSTS65001');
        expect(text).toMatch(/ask an administrator to grant admin consent/);
        expect(text).not.toContain(accessToken);
      } finally {
        emulator.allowOnBehalfOf();
      }
    });
  });

  describe('token validation refuses, each with 401 invalid_token unless said otherwise', () => {
    const adele = () => emulator.users[0]!;
    const now = () => Math.floor(Date.now() / 1000);

    async function expectRefused(token: string, status = 401, error = 'invalid_token'): Promise<void> {
      const response = await postMcp(server, token);
      expect(response.status).toBe(status);
      expect(response.headers.get('www-authenticate')).toContain(`scope="${apiScope}", error="${error}"`);
    }

    it('accepts the emulator-signed token these cases start from (so each refusal below is down to its one change)', async () => {
      const response = await postMcp(server, await emulator.mintApiAccessToken(adele()));
      expect(response.status).toBe(200);
    });

    it('a token for another audience (Microsoft Graph)', async () => {
      await expectRefused(await emulator.mintApiAccessToken(adele(), { aud: '00000003-0000-0000-c000-000000000000' }));
    });

    it('a token from another issuer', async () => {
      await expectRefused(await emulator.mintApiAccessToken(adele(), { iss: `https://login.microsoftonline.com/${EMULATOR_TENANT_ID}/v2.0` }));
    });

    it('a token of another tenant', async () => {
      await expectRefused(await emulator.mintApiAccessToken(adele(), { tid: '11111111-2222-4333-8444-555555555555' }));
    });

    it('an expired token (beyond the clock skew)', async () => {
      await expectRefused(await emulator.mintApiAccessToken(adele(), { iat: now() - 7200, nbf: now() - 7200, exp: now() - 600 }));
    });

    it('a token not yet valid (nbf beyond the clock skew)', async () => {
      await expectRefused(await emulator.mintApiAccessToken(adele(), { nbf: now() + 600 }));
    });

    it('an unsigned token (alg: none)', async () => {
      const [, payload] = (await emulator.mintApiAccessToken(adele())).split('.');
      await expectRefused(`${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`);
    });

    it('a token signed HS256 with the public key as the secret (algorithm confusion)', async () => {
      const token = await emulator.mintApiAccessToken(adele());
      const { kid } = jwtHeader(token);
      const jwks = (await (await fetch(`${emulator.issuer.replace(/\/v2\.0$/, '')}/discovery/v2.0/keys`)).json()) as { keys: { kid: string }[] };
      const publicJwk = jwks.keys.find((key) => key.kid === kid);
      const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid })}.${token.split('.')[1]}`;
      const signature = createHmac('sha256', JSON.stringify(publicJwk)).update(signingInput).digest('base64url');
      await expectRefused(`${signingInput}.${signature}`);
    });

    it('a token with a tampered payload (signature no longer matches)', async () => {
      const [header, payload, signature] = (await emulator.mintApiAccessToken(adele())).split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
      await expectRefused(`${header}.${b64url({ ...claims, oid: emulator.users[1]!.oid })}.${signature}`);
    });

    it("a delegated token without the API's scope: 403 insufficient_scope naming it", async () => {
      await expectRefused(await emulator.mintApiAccessToken(adele(), { scp: 'User.Read' }), 403, 'insufficient_scope');
    });

    it('a v1.0 token', async () => {
      await expectRefused(await emulator.mintApiAccessToken(adele(), { ver: '1.0' }));
    });

    it('an app-only token (roles, no scp) while AUTH_APP_ONLY_ROLE is unset', async () => {
      await expectRefused(await emulator.mintApiAccessToken(adele(), { scp: undefined, name: undefined, preferred_username: undefined, roles: ['Mcp.Tools.All'], idtyp: 'app' }));
    });

    it('a token signed by a key Entra never published (unknown kid, still unknown after one refetch)', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const key = await importJWK({ ...(await exportJWK(privateKey)), alg: 'RS256' }, 'RS256');
      const claims = jwtClaims(await emulator.mintApiAccessToken(adele()));
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'not-an-entra-key' }).sign(key);
      await expectRefused(forged);
    });

    it('accepts a token signed with a key Entra rotated in after the server cached the keys (unknown kid: one refetch)', async () => {
      expect((await postMcp(server, await emulator.mintApiAccessToken(adele()))).status).toBe(200);
      const before = emulator.jwksRequestCount;
      emulator.rotateSigningKeys();
      const rotated = await emulator.mintApiAccessToken(adele());
      expect((await postMcp(server, rotated)).status).toBe(200);
      expect(emulator.jwksRequestCount).toBe(before + 1);
      // The flow's tokens are signed with the new key too.
      const { accessToken } = await entraApiToken(emulator);
      expect(jwtHeader(accessToken).kid).toBe(jwtHeader(rotated).kid);
      expect((await postMcp(server, accessToken)).status).toBe(200);
    });
  });
});

describe('a proxy-mode token where only direct mode is on', () => {
  it('is refused: this server issues no tokens in direct mode and does not accept its own', async () => {
    const proxy = await startTestServer({ ...GENEROUS_RATE_LIMITS });
    const direct = await startTestServer({ AUTH_MODE: 'direct', DATA_DIR: proxy.dataDir });
    try {
      const { accessToken } = await obtainTokens(proxy);
      expect((await postMcp(proxy, accessToken)).status).toBe(200);
      const response = await postMcp(direct, accessToken);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    } finally {
      await direct.close();
      await proxy.close();
    }
  });
});

describe('both modes on one server (AUTH_MODE=both)', () => {
  let server: TestServer;
  let emulator: EntraEmulator;

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, AUTH_MODE: 'both' });
    emulator = server.app.get(EntraEmulator);
  });
  afterAll(() => server?.close());

  it('lists this server first and Entra second as authorization servers', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(metadata.authorization_servers).toEqual([server.config.serverOrigin, emulator.issuer]);
    expect(metadata.scopes_supported).toEqual(['mcp:tools', 'user.read', `${emulator.api.applicationIdUri}/${emulator.api.scope}`]);
  });

  it('accepts a token this server issued and one Entra issued, each as its own user and client', async () => {
    const proxyTokens = await obtainTokens(server, { user: 'Megan Bowen' });
    const entra = await entraApiToken(emulator, 'Alex Wilber');
    for (const [token, name] of [
      [proxyTokens.accessToken, 'Megan Bowen'],
      [entra.accessToken, 'Alex Wilber'],
    ] as const) {
      const connected = await connectClient(server.url, 'sse', token);
      const whoami = (await connected.client.callTool({ name: 'whoami', arguments: {} })).structuredContent as Record<string, unknown>;
      expect(whoami.name).toBe(name);
      expect(firstText(await connected.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe(name);
      await connected.close();
    }
  });
});
