/**
 * The OAuth 2.1 authorization server for MCP clients, as a client and a user see it:
 * discovery, registration, the full flow with the MCP SDK's own client (`auth()`), tokens,
 * refresh, revocation, and the services the MCP and Graph modules build on.
 */
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { AccessTokenVerifier, InvalidTokenError } from '../src/shared/access-token-verifier.port';
import { UpstreamSignInRequiredError, UpstreamTokens } from '../src/oauth/upstream-tokens';
import { EntraClient } from '../src/entra/entra-client.port';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { itWithChromium, launchBrowser } from './support/browser';
import { CookieJarClient } from './support/cookie-jar';
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
  registerClient,
  revokeToken,
  TokenSet,
} from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

describe('OAuth 2.1 authorization server for MCP clients', () => {
  let server: TestServer;
  let verifier: AccessTokenVerifier;

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS });
    verifier = server.app.get(AccessTokenVerifier);
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('GET /.well-known/oauth-protected-resource (RFC 9728)', () => {
    it('names this server (origin with a trailing slash) as the resource and itself as its authorization server', async () => {
      const response = await fetch(`${server.url}/.well-known/oauth-protected-resource`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({
        resource: `${server.url}/`,
        authorization_servers: [server.url],
        scopes_supported: ['mcp:tools', 'user.read'],
        bearer_methods_supported: ['header'],
        resource_name: expect.any(String),
      });
    });

    it('serves only the root document (clients fall back to it from /mcp and /sse)', async () => {
      const response = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`);
      expect(response.status).toBe(404);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    });
  });

  describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
    it('describes the endpoints, S256-only PKCE, the auth methods, the iss response parameter and Client ID Metadata Document support', async () => {
      const response = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({
        issuer: server.url,
        authorization_endpoint: `${server.url}/authorize`,
        token_endpoint: `${server.url}/token`,
        registration_endpoint: `${server.url}/register`,
        revocation_endpoint: `${server.url}/revoke`,
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
        revocation_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
        scopes_supported: ['mcp:tools', 'user.read'],
        authorization_response_iss_parameter_supported: true,
        client_id_metadata_document_supported: true,
      });
    });
  });

  describe('CORS', () => {
    it.each(['/token', '/register', '/revoke'])('answers the preflight of %s for any origin, without credentials', async (path) => {
      const response = await fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://inspector.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it.each(['/authorize', '/auth/consent', '/auth/callback'])('is never allowed on the browser page %s', async (path) => {
      const response = await fetch(`${server.url}${path}`, { headers: { origin: 'https://evil.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('POST /register (RFC 7591)', () => {
    it('registers a public client: 201, no secret, default grant types, not cacheable', async () => {
      const response = await fetch(`${server.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'My IDE', redirect_uris: ['http://127.0.0.1:3000/cb'], token_endpoint_auth_method: 'none' }),
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        client_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        client_id_issued_at: expect.any(Number),
        client_name: 'My IDE',
        redirect_uris: ['http://127.0.0.1:3000/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
      expect(body).not.toHaveProperty('client_secret');
      expect(body).not.toHaveProperty('client_secret_hash');
    });

    it('accepts what MCP Inspector sends (application_type, empty scope, loopback redirect)', async () => {
      const response = await fetch(`${server.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: ['http://127.0.0.1:6274/oauth/callback'],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          client_name: 'MCP Inspector',
          client_uri: 'https://github.com/modelcontextprotocol/inspector',
          application_type: 'web',
          scope: '',
          software_id: 'inspector',
        }),
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ client_name: 'MCP Inspector', application_type: 'web' });
    });

    it('gives a confidential client a secret that never expires (it is stored only as a hash)', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_basic' });
      expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(client).toMatchObject({ client_secret_expires_at: 0, token_endpoint_auth_method: 'client_secret_basic' });
    });

    it.each([
      ['an http redirect URI off loopback', ['http://client.example.com/cb'], 'invalid_redirect_uri'],
      ['a redirect URI with a fragment', ['https://client.example.com/cb#x'], 'invalid_redirect_uri'],
      ['a javascript: redirect URI', ['javascript:alert(document.cookie)'], 'invalid_redirect_uri'],
      ['a data: redirect URI', ['data:text/html,<script>alert(1)</script>'], 'invalid_redirect_uri'],
      ['no redirect URI at all', [], 'invalid_redirect_uri'],
    ])('refuses %s with %s', async (_name, redirectUris, error) => {
      const response = await fetch(`${server.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: redirectUris, token_endpoint_auth_method: 'none' }),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as Record<string, string>;
      expect(body.error).toBe(error);
      expect(body.error_description).toMatch(/redirect URI/i);
    });

    it.each([
      ['a client_name longer than 100 characters', { client_name: 'x'.repeat(101) }],
      ['an unsupported token_endpoint_auth_method', { token_endpoint_auth_method: 'private_key_jwt' }],
      ['an unsupported grant type', { grant_types: ['authorization_code', 'client_credentials'] }],
      ['the implicit response type', { response_types: ['token'] }],
    ])('refuses %s with invalid_client_metadata', async (_name, metadata) => {
      const response = await fetch(`${server.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://client.example.com/cb'], ...metadata }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'invalid_client_metadata', error_description: expect.any(String) });
    });
  });

  describe('the whole flow with the MCP SDK client (auth())', () => {
    it('discovers, registers, sends the user through consent and Entra sign-in, and redeems the code for a token of Adele Vance', async () => {
      const provider = new CapturingOAuthProvider();
      const serverUrl = `${server.url}/mcp`;

      // 1. Discovery + dynamic registration + the authorization request: the SDK hands us the browser URL.
      expect(await auth(provider, { serverUrl })).toBe('REDIRECT');
      const authorization = provider.authorizationUrl!;
      expect(authorization.origin + authorization.pathname).toBe(`${server.url}/authorize`);
      expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorization.searchParams.get('resource')).toBe(`${server.url}/`);

      // 2. The browser: consent page → Allow → Entra sign-in as Adele → callback → the client's redirect URI.
      const flow = await authorizeWithBrowser(server, authorization, { jar: new CookieJarClient(), user: 'Adele Vance' });
      expect(flow).toMatchObject({ reachedClient: true, consentShown: true, signInShown: true, iss: server.url });
      expect(flow.code).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // 3. The SDK redeems the code.
      expect(await auth(provider, { serverUrl, authorizationCode: flow.code })).toBe('AUTHORIZED');
      const tokens = provider.savedTokens!;
      expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'mcp:tools user.read', expires_in: 3600 });
      expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // 4. The MCP guard's verification service knows who it is.
      await expect(verifier.verify(tokens.access_token)).resolves.toEqual({
        oid: expect.any(String),
        tid: server.config.entra.tenantId,
        name: 'Adele Vance',
        preferredUsername: 'adelev@contoso.example',
        clientId: (provider.clientInformation() as { client_id: string }).client_id,
        scopes: ['mcp:tools', 'user.read'],
        grantId: expect.any(String),
        roles: ['Tools.Admin'],
        groups: [expect.any(String)],
      });

      // 5. And the SDK refreshes with rotation.
      const before = tokens.refresh_token;
      provider.savedTokens = { ...tokens, access_token: '' };
      const refreshed = await refreshTokens(server, { client_id: (provider.clientInformation() as { client_id: string }).client_id, redirect_uris: [provider.redirectUrl], token_endpoint_auth_method: 'none', grant_types: [] }, before!);
      expect(refreshed.status).toBe(200);
      const pair = (await refreshed.json()) as TokenSet;
      expect(pair.refresh_token).not.toBe(before);
      expect((await verifier.verify(pair.access_token)).name).toBe('Adele Vance');
    });

    it('signs in the user the browser chose (Megan Bowen), and a second client in the same browser needs its own consent but no new sign-in', async () => {
      const jar = new CookieJarClient();
      const first = await obtainTokens(server, { user: 'Megan Bowen', jar });
      expect((await verifier.verify(first.accessToken)).name).toBe('Megan Bowen');

      const client = await registerClient(server, { name: 'Second client' });
      const pkce = newPkce();
      const flow = await authorizeWithBrowser(server, authorizeUrl(server, { client, pkce }), { jar });
      expect(flow).toMatchObject({ reachedClient: true, consentShown: true, signInShown: false });
      const response = await redeemCode(server, client, flow.code!, pkce);
      const tokens = (await response.json()) as TokenSet;
      expect((await verifier.verify(tokens.access_token)).name).toBe('Megan Bowen');
    });

    it('grants only the scopes asked for (mcp:tools alone)', async () => {
      const { accessToken, scope } = await obtainTokens(server, { scope: 'mcp:tools' });
      expect(scope).toBe('mcp:tools');
      expect((await verifier.verify(accessToken)).scopes).toEqual(['mcp:tools']);
    });

    itWithChromium('works in a real browser: the consent page in headless Chromium, Allow clicked by its accessible name', async () => {
      const browser = await launchBrowser();
      try {
        const client = await registerClient(server, { name: 'Chromium client' });
        const redirect = new URL(client.redirect_uris[0]!);
        const context = await browser!.newContext();
        const page = await context.newPage();
        let landed: URL | undefined;
        await page.route(`${redirect.origin}/**`, async (route) => {
          landed = new URL(route.request().url());
          await route.fulfill({ status: 200, contentType: 'text/html', body: '<title>client</title>signed in' });
        });
        await page.goto(authorizeUrl(server, { client }).toString());
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Chromium client');
        await page.getByRole('button', { name: 'Allow', exact: true }).click();
        await page.getByRole('button', { name: 'Adele Vance' }).click();
        await page.waitForURL((url) => url.origin === redirect.origin, { timeout: 15_000 });
        expect(landed?.pathname).toBe(redirect.pathname);
        expect(landed?.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(landed?.searchParams.get('iss')).toBe(server.url);
        expect(landed?.searchParams.get('state')).toBe('client-state-123');
        await context.close();
      } finally {
        await browser?.close();
      }
    });
  });

  describe('POST /token', () => {
    it('answers per RFC 6749 §5.1: JSON, Bearer, expires_in, rotation-ready refresh token, never cached', async () => {
      const client = await registerClient(server);
      const pkce = newPkce();
      const flow = await authorizeWithBrowser(server, authorizeUrl(server, { client, pkce }));
      const response = await redeemCode(server, client, flow.code!, pkce);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({
        access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        scope: 'mcp:tools user.read',
      });
    });

    it('issues no refresh token to a client registered without the refresh_token grant', async () => {
      const client = await registerClient(server, { grantTypes: ['authorization_code'] });
      const { refreshToken } = await obtainTokens(server, { client });
      expect(refreshToken).toBeUndefined();
    });

    it('authenticates a confidential client with client_secret_basic and with client_secret_post', async () => {
      for (const authMethod of ['client_secret_basic', 'client_secret_post'] as const) {
        const client = await registerClient(server, { authMethod });
        const { accessToken } = await obtainTokens(server, { client });
        expect((await verifier.verify(accessToken)).clientId).toBe(client.client_id);
      }
    });

    it('answers unsupported_grant_type for other grants', async () => {
      const client = await registerClient(server);
      const response = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id }),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
    });
  });

  describe('POST /revoke (RFC 7009)', () => {
    it('revokes the grant behind an access token: its access and refresh tokens stop working', async () => {
      const { accessToken, refreshToken, client } = await obtainTokens(server);
      const response = await revokeToken(server, client, accessToken);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      await expect(verifier.verify(accessToken)).rejects.toBeInstanceOf(InvalidTokenError);
      const refreshed = await refreshTokens(server, client, refreshToken!);
      expect(refreshed.status).toBe(400);
      expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('revokes the grant behind a refresh token: its access token stops working', async () => {
      const { accessToken, refreshToken, client } = await obtainTokens(server);
      expect((await revokeToken(server, client, refreshToken!)).status).toBe(200);
      await expect(verifier.verify(accessToken)).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('answers 200 for an unknown token', async () => {
      const client = await registerClient(server);
      expect((await revokeToken(server, client, 'not-a-token-we-issued')).status).toBe(200);
    });

    it('does not let another client revoke a token', async () => {
      const { accessToken } = await obtainTokens(server);
      const other = await registerClient(server);
      const response = await revokeToken(server, other, accessToken);
      expect(response.status).toBe(400);
      await expect(verifier.verify(accessToken)).resolves.toMatchObject({ name: 'Adele Vance' });
    });
  });

  describe('AccessTokenVerifier (used by the MCP bearer guard)', () => {
    it('rejects anything that is not a live token of this server', async () => {
      for (const token of ['', 'x', 'a'.repeat(43), `${'a'.repeat(42)}!`]) {
        await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
      }
    });

    it('never accepts an Entra access token (no token passthrough)', async () => {
      const { accessToken } = await obtainTokens(server);
      const { grantId } = await verifier.verify(accessToken);
      const entraToken = await server.app.get(UpstreamTokens).getGraphAccessToken(grantId);
      expect(entraToken).not.toBe(accessToken);
      await expect(verifier.verify(entraToken)).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });

  describe('UpstreamTokens (used by the Graph client)', () => {
    let emulator: EntraEmulator;
    beforeAll(() => {
      emulator = server.app.get(EntraEmulator);
    });
    afterEach(() => {
      emulator.setAccessTokenLifetime(3600);
      jest.restoreAllMocks();
    });

    it('hands out the grant’s Entra token, and a new one on forceRefresh, one Entra refresh for concurrent callers', async () => {
      const { accessToken } = await obtainTokens(server);
      const { grantId } = await verifier.verify(accessToken);
      const upstream = server.app.get(UpstreamTokens);
      const first = await upstream.getGraphAccessToken(grantId);
      expect(await upstream.getGraphAccessToken(grantId)).toBe(first);
      const refresh = jest.spyOn(server.app.get(EntraClient), 'refresh');
      const forced = await Promise.all([1, 2, 3].map(() => upstream.getGraphAccessToken(grantId, { forceRefresh: true })));
      expect(new Set(forced).size).toBe(1);
      expect(forced[0]).not.toBe(first);
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(await upstream.getGraphAccessToken(grantId)).toBe(forced[0]);
    });

    it('revokes the grant and asks for a new sign-in when Entra refuses the refresh (invalid_grant)', async () => {
      const { accessToken } = await obtainTokens(server);
      const { grantId } = await verifier.verify(accessToken);
      await emulator.revokeRefreshTokens();
      await expect(server.app.get(UpstreamTokens).getGraphAccessToken(grantId, { forceRefresh: true })).rejects.toBeInstanceOf(UpstreamSignInRequiredError);
      await expect(verifier.verify(accessToken)).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('ends the client’s refresh with invalid_grant when the Entra session behind an expired Entra token is gone', async () => {
      emulator.setAccessTokenLifetime(30); // inside the refresh margin: counts as expired
      const { accessToken, refreshToken, client } = await obtainTokens(server);
      await emulator.revokeRefreshTokens();
      const response = await refreshTokens(server, client, refreshToken!);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
      await expect(verifier.verify(accessToken)).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });
});

describe('rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_REGISTER_PER_MINUTE: '2', RATE_LIMIT_TOKEN_PER_MINUTE: '2' });
  });
  afterAll(async () => server?.close());

  it('answers 429 too_many_requests with Retry-After on /register once the limit is used up', async () => {
    const register = () =>
      fetch(`${server.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [loopbackRedirectUri()], token_endpoint_auth_method: 'none' }),
      });
    expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(201);
    const limited = await register();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
  });

  it('limits /token as well', async () => {
    const post = () => fetch(`${server.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post()).status);
    expect(statuses).toEqual([401, 401, 429]);
  });
});
