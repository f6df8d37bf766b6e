/**
 * Security rules of registration and of `/authorize` (DESIGN.md "Redirect URIs", RFC 6749 §4.1.2.1,
 * RFC 9207): black-box over HTTP, one named case per rule.
 */
import { createHash } from 'node:crypto';
import { Store } from '../src/store/store.port';
import { CookieJarClient } from './support/cookie-jar';
import { authorizeUrl, GENEROUS_RATE_LIMITS, obtainTokens, registerClient, RegisteredTestClient } from './support/oauth-flow';
import { CLIENT_STATE, securityFlow } from './support/security-flow';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

describe('OAuth security: registration and the authorization request', () => {
  let server: TestServer;
  const { authorize, expectRefusalPage, expectRedirectToClient, expectOAuthError } = securityFlow(() => server);

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS });
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('POST /register: redirect URIs are https, or http on loopback only; secrets are kept only as hashes', () => {
    function register(metadata: Record<string, unknown>) {
      return fetch(`${server.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token_endpoint_auth_method: 'none', ...metadata }) });
    }

    it.each([
      ['a host that merely starts with localhost', 'http://localhost.evil.example.com/cb'],
      ['a host that merely starts with 127.0.0.1', 'http://127.0.0.1.nip.io/cb'],
      ['an upper-case HTTP scheme off loopback', 'HTTP://client.example.com/cb'],
      ['user info that hides the real host', 'https://client.example.com@evil.example.com/cb'],
      ['a custom scheme', 'com.example.app:/oauth/callback'],
      ['vbscript:', 'vbscript:msgbox(1)'],
      ['a line separator', 'https://client.example.com/cb\u2028'],
    ])('refuses %s with invalid_redirect_uri', async (_name, uri) => {
      const response = await register({ redirect_uris: [uri] });
      await expectOAuthError(response, 400, 'invalid_redirect_uri');
    });

    it.each(['http://[::1]:9000/cb', 'http://127.0.0.1:6274/oauth/callback', 'http://localhost:3000/cb'])('accepts the loopback redirect URI %s', async (uri) => {
      expect((await register({ redirect_uris: [uri] })).status).toBe(201);
    });

    it('matches an oddly written registered URI only exactly as registered at /authorize', async () => {
      const client = await registerClient(server, { redirectUris: ['HTTPS://App.Example.COM/cb'] });
      expect((await authorize(new CookieJarClient(), client)).headers.get('location')).toMatch(/^\/auth\/consent\?/);
      expectRefusalPage(await authorize(new CookieJarClient(), client, { redirectUri: 'https://app.example.com/cb' }));
    });

    it('stores a confidential client’s secret only as its SHA-256 hash', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_post' });
      const stored = (await server.app.get(Store).get(`client:${client.client_id}`))!;
      expect(stored).not.toContain(client.client_secret!);
      expect(stored).toContain(createHash('sha256').update(client.client_secret!).digest('hex'));
    });
  });

  describe('GET /authorize before the client and its exact redirect URI are validated: a page, never a redirect (no open redirect)', () => {
    let client: RegisteredTestClient;
    beforeAll(async () => {
      client = await registerClient(server, { redirectUris: ['http://127.0.0.1:6274/oauth/callback'] });
    });

    it('shows an error page for an unknown client_id', async () => {
      const response = await fetch(authorizeUrl(server, { client: { ...client, client_id: 'no-such-client' } }), { redirect: 'manual' });
      expectRefusalPage(response);
      expect(await response.text()).toContain('not registered');
    });

    it('shows an error page when client_id is missing', async () => {
      const response = await fetch(authorizeUrl(server, { client, params: { client_id: undefined } }), { redirect: 'manual' });
      expectRefusalPage(response);
    });

    it.each([
      ['an attacker’s host', 'https://evil.example.com/oauth/callback'],
      ['the registered loopback URI on another port', 'http://127.0.0.1:6275/oauth/callback'],
      ['the registered URI with an extra path segment', 'http://127.0.0.1:6274/oauth/callback/evil'],
      ['the registered URI with an extra query', 'http://127.0.0.1:6274/oauth/callback?next=https://evil.example.com'],
      ['localhost instead of 127.0.0.1', 'http://localhost:6274/oauth/callback'],
    ])('shows an error page for a redirect_uri that is not registered exactly: %s', async (_name, redirectUri) => {
      const response = await fetch(authorizeUrl(server, { client, redirectUri }), { redirect: 'manual' });
      expectRefusalPage(response);
      expect(await response.text()).not.toContain('evil.example.com');
    });
  });

  describe('GET /authorize after validation: errors go back to the client with its state and iss (RFC 6749 §4.1.2.1, RFC 9207)', () => {
    let client: RegisteredTestClient;
    beforeAll(async () => {
      client = await registerClient(server);
    });

    it.each([
      ['PKCE missing (no code_challenge)', { code_challenge: undefined }, 'invalid_request'],
      ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
      ['PKCE without a method (plain by default)', { code_challenge_method: undefined }, 'invalid_request'],
      ['PKCE with a challenge that is not an S256 hash (a plain verifier labelled S256)', { code_challenge: 'plain-verifier-not-a-sha256-hash' }, 'invalid_request'],
      ['a resource naming another path of this server', { resource: 'SERVER/admin' }, 'invalid_target'],
      ['a resource with a fragment (RFC 8707 §2)', { resource: 'SERVER/mcp#fragment' }, 'invalid_target'],
      ['a resource that is not this server', { resource: 'https://other.example.com/' }, 'invalid_target'],
      ['a resource on this host but another port', { resource: 'http://localhost:1/' }, 'invalid_target'],
      ['an unknown scope', { scope: 'mcp:tools Mail.Send' }, 'invalid_scope'],
      ['response_type=token (implicit)', { response_type: 'token' }, 'unsupported_response_type'],
    ])('refuses %s', async (_name, params, error) => {
      const resolved = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v?.replace('SERVER', server.url)]));
      const response = await authorize(new CookieJarClient(), client, { params: resolved });
      expectRedirectToClient(response, client, { error, state: CLIENT_STATE });
    });

    it.each([
      ['the origin', (url: string) => url],
      ['the origin with a trailing slash', (url: string) => `${url}/`],
      ['the Streamable HTTP endpoint', (url: string) => `${url}/mcp`],
      ['the SSE endpoint with a trailing slash', (url: string) => `${url}/sse/`],
    ])('accepts %s as the resource (DESIGN.md Resource): on to the consent page', async (_name, resource) => {
      const response = await authorize(new CookieJarClient(), client, { resource: resource(server.url) });
      expect(response.headers.get('location')).toMatch(/^\/auth\/consent\?/);
    });

    it('treats offline_access as accepted and ignored (DESIGN.md Scopes): the grant has every offered scope', async () => {
      const { scope, refreshToken } = await obtainTokens(server, { scope: 'offline_access' });
      expect(scope).toBe('mcp:tools user.read');
      expect(refreshToken).toBeDefined();
    });

    it('echoes the client’s state only URL-encoded in the redirect (no header injection)', async () => {
      const state = 'x\r\nSet-Cookie: injected=1';
      const response = await authorize(new CookieJarClient(), client, { state, params: { code_challenge: undefined } });
      const location = expectRedirectToClient(response, client, { error: 'invalid_request', state });
      expect(response.headers.get('location')).not.toMatch(/[\r\n]/);
      expect(location.search).toContain('state=x%0D%0ASet-Cookie');
      expect(response.headers.getSetCookie()).toEqual([]);
    });
  });
});
