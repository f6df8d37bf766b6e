/**
 * The security rules of the authorization server (DESIGN.md "Security rules", the MCP
 * Authorization spec and its Security Best Practices), one named case per rule. Black-box
 * over HTTP with a cookie jar as the browser, against the embedded Entra emulator.
 */
import { createHash } from 'node:crypto';
import { SigningKeysService } from '../src/config/signing-keys.service';
import { approvalFor, signConsent } from '../src/consent/consent-cookie';
import { AccessTokenVerifier, InvalidTokenError } from '../src/oauth/access-token-verifier.port';
import { Store } from '../src/store/store.port';
import { CookieJarClient, formSubmission, formWithButton } from './support/cookie-jar';
import {
  authorizeUrl,
  authorizeWithBrowser,
  clientAuth,
  GENEROUS_RATE_LIMITS,
  newPkce,
  obtainTokens,
  Pkce,
  postForm,
  redeemCode,
  refreshTokens,
  registerClient,
  RegisteredTestClient,
  revokeToken,
  TokenSet,
} from './support/oauth-flow';
import { SpawnedProcess, spawnServer, waitForOutput } from './support/spawn-server';
import { freePort, startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

const CLIENT_STATE = 'client-state-123';

describe('OAuth security rules', () => {
  let server: TestServer;
  let verifier: AccessTokenVerifier;
  let entraOrigin: string;

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS });
    verifier = server.app.get(AccessTokenVerifier);
    entraOrigin = server.config.entra.authorityOrigin;
  });

  afterAll(async () => {
    await server?.close();
  });

  // ---- small steps of the flow, each one HTTP hop ------------------------------------

  /** GET /authorize in `jar`; returns the response without following it. */
  function authorize(jar: CookieJarClient, client: RegisteredTestClient, options: Parameters<typeof authorizeUrl>[1] extends infer P ? Partial<P> : never = {}) {
    return jar.fetch(authorizeUrl(server, { client, ...options }));
  }

  /** /authorize → the consent page: its HTML, URL and response. */
  async function openConsent(jar: CookieJarClient, client: RegisteredTestClient, pkce: Pkce = newPkce()) {
    const start = await authorize(jar, client, { pkce });
    expect(start.status).toBe(302);
    const url = new URL(start.headers.get('location')!, server.url);
    expect(url.pathname).toBe('/auth/consent');
    const response = await jar.fetch(url);
    return { url, response, html: await response.text() };
  }

  /** Submits the consent form by clicking `label`, with field overrides; returns the response (not followed). */
  async function submitConsent(jar: CookieJarClient, page: { html: string; url: URL }, label: 'Allow' | 'Deny', overrides: Record<string, string> = {}, drop: string[] = []) {
    const { form, button } = formWithButton(page.html, page.url, label);
    for (const name of drop) delete form.fields[name];
    const submission = formSubmission(form, button, overrides);
    return jar.fetch(submission.url, submission.init);
  }

  /** Consent page → Allow → the URL of Entra's authorize endpoint. */
  async function allowAndGetEntraUrl(jar: CookieJarClient, client: RegisteredTestClient, pkce?: Pkce): Promise<URL> {
    const page = await openConsent(jar, client, pkce);
    const allowed = await submitConsent(jar, page, 'Allow');
    expect(allowed.status).toBe(303);
    const entra = new URL(allowed.headers.get('location')!);
    expect(entra.origin).toBe(entraOrigin);
    return entra;
  }

  /** Signs in at the emulator (as Adele) from Entra's URL, stopping at the redirect to /auth/callback. */
  async function signInAtEntra(jar: CookieJarClient, entraUrl: URL): Promise<URL> {
    const isCallback = (url: URL) => url.origin === server.url && url.pathname === '/auth/callback';
    let result = await jar.followRedirects(entraUrl, { stopAt: isCallback });
    if (!result.stopped) {
      const { form, button } = formWithButton(await result.response.text(), result.url, 'Adele Vance');
      const submission = formSubmission(form, button);
      result = await jar.followRedirects(submission.url, { init: submission.init, stopAt: isCallback });
    }
    expect(result.stopped).toBe(true);
    return result.url;
  }

  /** A consented, signed-in browser: the flow for `client` completed once in `jar`. */
  async function consentedBrowser(client: RegisteredTestClient): Promise<CookieJarClient> {
    const jar = new CookieJarClient();
    const flow = await authorizeWithBrowser(server, authorizeUrl(server, { client }), { jar });
    expect(flow.code).toBeDefined();
    return jar;
  }

  function expectRefusalPage(response: Response, status = 400) {
    expect(response.status).toBe(status);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  }

  function expectRedirectToClient(response: Response, client: RegisteredTestClient, params: Record<string, string>) {
    expect([302, 303]).toContain(response.status);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(client.redirect_uris[0]);
    for (const [name, value] of Object.entries(params)) expect(location.searchParams.get(name)).toBe(value);
    expect(location.searchParams.get('iss')).toBe(server.url);
    return location;
  }

  async function expectOAuthError(response: Response, status: number, error: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body).toEqual({ error, error_description: expect.any(String) });
    return body;
  }

  // ---- the rules ----------------------------------------------------------------------

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

  describe('consent page (GET /auth/consent)', () => {
    it('is shown before anything goes to Entra, unframeable, uncached, with a form-action that lets its redirects through', async () => {
      const client = await registerClient(server, { redirectUris: ['https://app.example.com/oauth/callback'], name: 'Example App' });
      const { response, html } = await openConsent(new CookieJarClient(), client);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain(`form-action 'self' ${entraOrigin} https://app.example.com`);
      expect(csp).toContain("default-src 'none'");
      expect(html).toContain('Example App');
      expect(html).toContain('<strong>app.example.com</strong>');
      expect(html).toContain('Read your name and profile from Microsoft Graph');
      expect(html).toMatch(/<button[^>]*>Allow<\/button>/);
      expect(html).toMatch(/<button[^>]*>Deny<\/button>/);
    });

    it('HTML-escapes the client name chosen by the client (no stored XSS)', async () => {
      const client = await registerClient(server, { name: '<script>alert(1)</script>' });
      const { html } = await openConsent(new CookieJarClient(), client);
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&#60;script&#62;alert(1)&#60;&#47;script&#62;');
    });

    it.each([
      ['a look-alike host (Cyrillic а in аpple.com) as punycode', 'https://\u0430pple.com/oauth/callback', 'https://<strong>xn--pple-43d.com</strong>/oauth/callback', '\u0430pple'],
      ['an upper-case host as the browser will reach it', 'HTTPS://App.Example.COM/oauth/callback', 'https://<strong>app.example.com</strong>/oauth/callback', 'Example.COM'],
      ['a URI without slashes after the scheme with its host', 'https:app.example.com/oauth/callback', 'https://<strong>app.example.com</strong>/oauth/callback', 'https:app'],
    ])('shows the redirect URI with its real host emphasized: %s', async (_name, redirectUri, shown, hidden) => {
      const client = await registerClient(server, { redirectUris: [redirectUri] });
      const { html } = await openConsent(new CookieJarClient(), client);
      const uri = /<code class="uri"[^>]*>(.*?)<\/code>/.exec(html)![1]!.replaceAll('&#47;', '/');
      expect(uri).toBe(shown);
      expect(html).not.toContain(hidden);
    });

    it('warns that a loopback redirect hands access to a program on this computer', async () => {
      const client = await registerClient(server);
      const { html } = await openConsent(new CookieJarClient(), client);
      expect(html).toContain('a program on this computer');
      expect(html).toContain('registered itself with this server recently');
    });

    it('Deny sends access_denied with the client’s state and iss to the client, and nothing to Entra', async () => {
      const client = await registerClient(server);
      const jar = new CookieJarClient();
      const denied = await submitConsent(jar, await openConsent(jar, client), 'Deny');
      expectRedirectToClient(denied, client, { error: 'access_denied', state: CLIENT_STATE });
      expect(jar.cookies(server.url)).not.toHaveProperty('mcp_consent');
    });

    it('Allow sets the consent cookie: HttpOnly, SameSite=Lax, Path=/, 30 days', async () => {
      const client = await registerClient(server);
      const jar = new CookieJarClient();
      await allowAndGetEntraUrl(jar, client);
      const cookie = jar.all().find((c) => c.name === 'mcp_consent')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(cookie.expiresAt! - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
      expect(cookie.value.length).toBeLessThan(4096);
    });

    it('shows an error page for an unknown or expired consent request', async () => {
      const response = await fetch(`${server.url}/auth/consent?request=${'a'.repeat(32)}`);
      expectRefusalPage(response);
    });
  });

  describe('consent form (POST /auth/consent): CSRF token bound to the browser, single use', () => {
    let client: RegisteredTestClient;
    beforeAll(async () => {
      client = await registerClient(server);
    });

    it('refuses a form without the CSRF token, and nothing reaches the client', async () => {
      const jar = new CookieJarClient();
      const response = await submitConsent(jar, await openConsent(jar, client), 'Allow', {}, ['csrf_token']);
      expectRefusalPage(response, 403);
    });

    it('refuses a reused CSRF token (the form works once)', async () => {
      const jar = new CookieJarClient();
      const page = await openConsent(jar, client);
      expect((await submitConsent(jar, page, 'Allow')).status).toBe(303);
      expectRefusalPage(await submitConsent(jar, page, 'Allow'), 403);
    });

    it('refuses a CSRF token issued to another browser (the attacker posts the victim’s form from their own)', async () => {
      const victim = new CookieJarClient();
      const page = await openConsent(victim, client);
      const attacker = new CookieJarClient();
      await openConsent(attacker, client); // the attacker has a browser cookie of their own
      expectRefusalPage(await submitConsent(attacker, page, 'Allow'), 403);
      expectRefusalPage(await submitConsent(new CookieJarClient(), page, 'Allow'), 403);
    });

    it('refuses a cross-site form post (Origin of another site)', async () => {
      const jar = new CookieJarClient();
      const page = await openConsent(jar, client);
      const { form, button } = formWithButton(page.html, page.url, 'Allow');
      const submission = formSubmission(form, button);
      const response = await jar.fetch(submission.url, { ...submission.init, headers: { ...(submission.init.headers as Record<string, string>), origin: 'https://evil.example.com' } });
      expectRefusalPage(response, 403);
    });
  });

  describe('consent cookie (mcp_consent): HMAC-signed, per client + redirect URI + scopes, 30 days', () => {
    it('lets a browser that approved exactly this client, redirect URI and scopes go straight to Entra', async () => {
      const client = await registerClient(server);
      const jar = await consentedBrowser(client);
      const again = await authorize(jar, client);
      expect(again.status).toBe(302);
      expect(new URL(again.headers.get('location')!).origin).toBe(entraOrigin);
    });

    it('shows the consent page again when the cookie was tampered with', async () => {
      const client = await registerClient(server);
      const jar = await consentedBrowser(client);
      const value = jar.cookies(server.url).mcp_consent!;
      const [v, payload, sig] = value.split('.');
      const forged = Buffer.from(JSON.stringify([approvalFor('someone-else', 'https://x/', ['mcp:tools'], 0), ...JSON.parse(Buffer.from(payload!, 'base64url').toString())])).toString('base64url');
      jar.setCookie(`mcp_consent=${v}.${forged}.${sig}; Path=/; HttpOnly`, server.url);
      const again = await authorize(jar, client);
      expect(again.headers.get('location')).toMatch(/^\/auth\/consent\?/);
    });

    it('shows the consent page again when the approval has expired (expires_on in the past)', async () => {
      const client = await registerClient(server);
      const jar = new CookieJarClient();
      const keys = server.app.get(SigningKeysService);
      const thirtyOneDaysAgo = Math.floor(Date.now() / 1000) - 31 * 24 * 3600;
      const expired = signConsent([approvalFor(client.client_id, client.redirect_uris[0]!, ['mcp:tools', 'user.read'], thirtyOneDaysAgo)], keys);
      jar.setCookie(`mcp_consent=${expired}; Path=/; HttpOnly`, server.url);
      expect((await authorize(jar, client)).headers.get('location')).toMatch(/^\/auth\/consent\?/);
      // The same cookie, still valid, is honoured: the expiry is what made the difference.
      const valid = signConsent([approvalFor(client.client_id, client.redirect_uris[0]!, ['mcp:tools', 'user.read'], Math.floor(Date.now() / 1000))], keys);
      jar.setCookie(`mcp_consent=${valid}; Path=/; HttpOnly`, server.url);
      expect(new URL((await authorize(jar, client)).headers.get('location')!).origin).toBe(entraOrigin);
    });

    it('does not count an approval of another client', async () => {
      const first = await registerClient(server);
      const jar = await consentedBrowser(first);
      const second = await registerClient(server);
      expect((await authorize(jar, second)).headers.get('location')).toMatch(/^\/auth\/consent\?/);
    });

    it('does not count an approval of the same client for another redirect URI', async () => {
      const client = await registerClient(server, { redirectUris: ['http://127.0.0.1:7001/cb', 'http://127.0.0.1:7002/cb'] });
      const jar = await consentedBrowser(client);
      expect((await authorize(jar, client, { redirectUri: 'http://127.0.0.1:7002/cb' })).headers.get('location')).toMatch(/^\/auth\/consent\?/);
    });

    it('does not count an approval for other scopes', async () => {
      const client = await registerClient(server);
      const jar = new CookieJarClient();
      await authorizeWithBrowser(server, authorizeUrl(server, { client, scope: 'mcp:tools' }), { jar });
      expect((await authorize(jar, client, { scope: 'mcp:tools user.read' })).headers.get('location')).toMatch(/^\/auth\/consent\?/);
    });

    it('keeps several clients approved without one overwriting the other', async () => {
      const a = await registerClient(server);
      const b = await registerClient(server);
      const jar = await consentedBrowser(a);
      await authorizeWithBrowser(server, authorizeUrl(server, { client: b }), { jar });
      for (const client of [a, b]) expect(new URL((await authorize(jar, client)).headers.get('location')!).origin).toBe(entraOrigin);
    });

    it('stays well under 4 KB however many clients are approved: the oldest approvals drop out', async () => {
      const jar = new CookieJarClient();
      const clients: RegisteredTestClient[] = [];
      let setCookie = '';
      for (let i = 0; i < 20; i++) {
        const client = await registerClient(server, { redirectUris: [`https://app${i}.example.com/${'long-path/'.repeat(30)}callback`] });
        clients.push(client);
        const allowed = await submitConsent(jar, await openConsent(jar, client), 'Allow');
        expect(allowed.status).toBe(303);
        setCookie = allowed.headers.getSetCookie().find((c) => c.startsWith('mcp_consent='))!;
        expect(setCookie.length).toBeLessThan(3500);
      }
      expect(new URL((await authorize(jar, clients.at(-1)!)).headers.get('location')!).origin).toBe(entraOrigin);
      expect((await authorize(jar, clients[0]!)).headers.get('location')).toMatch(/^\/auth\/consent\?/);
    });
  });

  describe('confused deputy (MCP security best practices)', () => {
    it('does not let a second client registered with the same redirect URI ride on the first client’s consent', async () => {
      const legitimate = await registerClient(server, { redirectUris: ['http://127.0.0.1:6274/oauth/callback'] });
      const victim = await consentedBrowser(legitimate);
      const lookAlike = await registerClient(server, { redirectUris: legitimate.redirect_uris, name: legitimate.client_name });
      const response = await authorize(victim, lookAlike);
      expect(response.headers.get('location')).toMatch(/^\/auth\/consent\?/);
    });

    it('shows the consent page to a browser already signed in at Entra and consented for another client, and nothing reaches the second client', async () => {
      const legitimate = await registerClient(server, { name: 'Legitimate client' });
      const victim = await consentedBrowser(legitimate); // signed in at Entra (session cookie) and consented for the first client
      const attacker = await registerClient(server, { name: 'Attacker', redirectUris: ['https://attacker.example.com/steal'] });
      const attackerEndpoint = new URL(attacker.redirect_uris[0]!);
      const result = await victim.followRedirects(authorizeUrl(server, { client: attacker }), {
        stopAt: (url) => url.origin === attackerEndpoint.origin || url.origin === entraOrigin,
      });
      expect(result.stopped).toBe(false);
      expect(result.response.status).toBe(200);
      expect(result.url.pathname).toBe('/auth/consent');
      expect(await result.response.text()).toContain('Attacker');
      expect(result.visited.every((url) => url.origin === server.url)).toBe(true);
    });
  });

  describe('state towards Entra: the server’s own, single use, 10 minutes, bound to the consenting browser', () => {
    let client: RegisteredTestClient;
    beforeAll(async () => {
      client = await registerClient(server);
    });

    it('sends Entra its own random state, a nonce and PKCE S256, never the client’s state or resource', async () => {
      const entra = await allowAndGetEntraUrl(new CookieJarClient(), client);
      expect(entra.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(entra.searchParams.get('state')).not.toBe(CLIENT_STATE);
      expect(entra.searchParams.get('nonce')).toBeTruthy();
      expect(entra.searchParams.get('code_challenge_method')).toBe('S256');
      expect(entra.searchParams.get('resource')).toBeNull();
      expect(entra.searchParams.get('client_id')).toBe(server.config.entra.clientId);
    });

    it('refuses a callback in a browser other than the one that consented, and sends nothing to the client', async () => {
      const attacker = new CookieJarClient();
      const entra = await allowAndGetEntraUrl(attacker, client); // the attacker approves their own request…
      const victim = new CookieJarClient();
      const callback = await signInAtEntra(victim, entra); // …and lures the victim through Entra
      const response = await victim.fetch(callback);
      expectRefusalPage(response);
      expect(await response.text()).toContain('different browser');
      // Burned: the attacker cannot finish it with the victim's Entra code either.
      expectRefusalPage(await attacker.fetch(callback));
    });

    it('refuses a replayed callback (the state is single use)', async () => {
      const jar = new CookieJarClient();
      const callback = await signInAtEntra(jar, await allowAndGetEntraUrl(jar, client));
      expectRedirectToClient(await jar.fetch(callback), client, { state: CLIENT_STATE });
      expectRefusalPage(await jar.fetch(callback));
    });

    it('refuses an expired pending authorization (after 10 minutes)', async () => {
      const jar = new CookieJarClient();
      const entra = await allowAndGetEntraUrl(jar, client);
      // Let the 10 minutes pass for this one entry: re-store it with a TTL that has run out.
      const store = server.app.get(Store);
      const key = `upstream:${createHash('sha256').update(entra.searchParams.get('state')!).digest('hex')}`;
      const value = await store.get(key);
      expect(value).not.toBeNull();
      await store.set(key, value!, 1);
      await new Promise((r) => setTimeout(r, 10));
      const response = await jar.fetch(await signInAtEntra(jar, entra));
      expectRefusalPage(response);
      expect(await response.text()).toContain('expired');
    });

    it('refuses a callback without state', async () => {
      expectRefusalPage(await fetch(`${server.url}/auth/callback?code=abc`, { redirect: 'manual' }));
    });

    it('passes an Entra error (the user cancelled) to the client as access_denied with its state and iss', async () => {
      const jar = new CookieJarClient();
      const entra = await allowAndGetEntraUrl(jar, client);
      const callback = new URL(`${server.url}/auth/callback`);
      callback.searchParams.set('error', 'access_denied');
      callback.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
      callback.searchParams.set('state', entra.searchParams.get('state')!);
      const location = expectRedirectToClient(await jar.fetch(callback), client, { error: 'access_denied', state: CLIENT_STATE });
      expect(location.searchParams.get('code')).toBeNull();
      expect(location.searchParams.get('error_description')).not.toContain('AADSTS');
    });
  });

  describe('POST /token, authorization_code: PKCE, single use, bound to client and redirect URI', () => {
    async function codeFor(client: RegisteredTestClient, pkce = newPkce()) {
      const flow = await authorizeWithBrowser(server, authorizeUrl(server, { client, pkce }));
      expect(flow.code).toBeDefined();
      return { code: flow.code!, pkce };
    }

    it('refuses a wrong code_verifier with invalid_grant, without burning the code', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, newPkce()), 400, 'invalid_grant');
      expect((await redeemCode(server, client, code, pkce)).status).toBe(200);
    });

    it('refuses a missing code_verifier (PKCE is required)', async () => {
      const client = await registerClient(server);
      const { code } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, newPkce(), { code_verifier: undefined }), 400, 'invalid_request');
    });

    it('refuses the plain method: the challenge itself is not accepted as the verifier', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, pkce, { code_verifier: pkce.challenge }), 400, 'invalid_grant');
    });

    it('refuses a replayed code and revokes the tokens it issued', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      const first = (await (await redeemCode(server, client, code, pkce)).json()) as TokenSet;
      await expect(verifier.verify(first.access_token)).resolves.toBeDefined();
      await expectOAuthError(await redeemCode(server, client, code, pkce), 400, 'invalid_grant');
      await expect(verifier.verify(first.access_token)).rejects.toBeInstanceOf(InvalidTokenError);
      await expectOAuthError(await refreshTokens(server, client, first.refresh_token!), 400, 'invalid_grant');
    });

    it('refuses a code issued to another client (and leaves it to its client)', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      const other = await registerClient(server, { redirectUris: client.redirect_uris });
      await expectOAuthError(await redeemCode(server, other, code, pkce), 400, 'invalid_grant');
      expect((await redeemCode(server, client, code, pkce)).status).toBe(200);
    });

    it('refuses a redirect_uri other than the one of the authorization request', async () => {
      const client = await registerClient(server, { redirectUris: ['http://127.0.0.1:7101/cb', 'http://127.0.0.1:7102/cb'] });
      const { code, pkce } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, pkce, { redirect_uri: 'http://127.0.0.1:7102/cb' }), 400, 'invalid_grant');
    });

    it('refuses a resource that is not this server (invalid_target)', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, pkce, { resource: 'https://other.example.com/' }), 400, 'invalid_target');
    });

    it('refuses an unknown code', async () => {
      const client = await registerClient(server);
      await expectOAuthError(await redeemCode(server, client, 'x'.repeat(43), newPkce()), 400, 'invalid_grant');
    });
  });

  describe('POST /token: confidential client authentication (RFC 6749 §2.3.1)', () => {
    it('answers 401 invalid_client with a Basic challenge for a wrong secret sent with client_secret_basic', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_basic' });
      const wrong = { ...client, client_secret: `${client.client_secret}x` };
      const response = await refreshTokens(server, wrong, 'whatever');
      await expectOAuthError(response, 401, 'invalid_client');
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    });

    it('answers 401 invalid_client for a wrong secret sent with client_secret_post', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_post' });
      await expectOAuthError(await refreshTokens(server, { ...client, client_secret: 'guess' }, 'whatever'), 401, 'invalid_client');
    });

    it('answers 401 invalid_client when a confidential client sends no secret', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_post' });
      await expectOAuthError(await refreshTokens(server, { ...client, token_endpoint_auth_method: 'none' }, 'whatever'), 401, 'invalid_client');
    });

    it('answers 401 invalid_client when a public client presents a secret', async () => {
      const client = await registerClient(server);
      const response = await postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: 'x', client_id: client.client_id, client_secret: 'anything' });
      await expectOAuthError(response, 401, 'invalid_client');
    });

    it('answers 401 invalid_client when the Basic client id and the body client_id disagree', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_basic' });
      const other = await registerClient(server);
      const response = await refreshTokens(server, client, 'whatever', { client_id: other.client_id });
      await expectOAuthError(response, 401, 'invalid_client');
    });

    it('answers 401 invalid_client for an unknown client', async () => {
      const response = await postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nobody' });
      await expectOAuthError(response, 401, 'invalid_client');
    });
  });

  describe('POST /token, refresh_token: rotation with a grace window for retries (DESIGN.md)', () => {
    async function refresh(client: RegisteredTestClient, token: string) {
      const response = await refreshTokens(server, client, token);
      return { status: response.status, body: (await response.json()) as TokenSet & { error?: string } };
    }

    it('rotates: a new access and refresh token on every use', async () => {
      const { refreshToken, client } = await obtainTokens(server);
      const next = await refresh(client, refreshToken!);
      expect(next.status).toBe(200);
      expect(next.body.refresh_token).not.toBe(refreshToken);
      await expect(verifier.verify(next.body.access_token)).resolves.toMatchObject({ name: 'Adele Vance' });
    });

    it('returns the same successor pair when the rotated-out token is retried before the successor is used (lost response)', async () => {
      const { refreshToken, client } = await obtainTokens(server);
      const first = await refresh(client, refreshToken!);
      const retry = await refresh(client, refreshToken!);
      expect(retry.status).toBe(200);
      expect(retry.body.access_token).toBe(first.body.access_token);
      expect(retry.body.refresh_token).toBe(first.body.refresh_token);
    });

    it('gives two concurrent refreshes with the same token the same pair', async () => {
      const { refreshToken, client } = await obtainTokens(server);
      const [a, b] = await Promise.all([refresh(client, refreshToken!), refresh(client, refreshToken!)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.refresh_token).toBe(b.body.refresh_token);
    });

    it('revokes the whole grant when the rotated-out token is presented after its successor was used', async () => {
      const { accessToken, refreshToken, client } = await obtainTokens(server);
      const second = await refresh(client, refreshToken!);
      const third = await refresh(client, second.body.refresh_token!);
      expect(third.status).toBe(200);
      const reuse = await refresh(client, refreshToken!);
      expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      for (const token of [accessToken, second.body.access_token, third.body.access_token]) {
        await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
      }
      expect((await refresh(client, third.body.refresh_token!)).status).toBe(400);
    });

    it('refuses a refresh token of another client, leaving it usable by its own', async () => {
      const { refreshToken, client } = await obtainTokens(server);
      const other = await registerClient(server);
      expect(await refresh(other, refreshToken!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect((await refresh(client, refreshToken!)).status).toBe(200);
    });

    it('refuses a refresh that asks for more scopes than granted (invalid_scope)', async () => {
      const { refreshToken, client } = await obtainTokens(server, { scope: 'mcp:tools' });
      const auth = clientAuth(client);
      const response = await postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken!, scope: 'mcp:tools user.read', ...auth.params });
      await expectOAuthError(response, 400, 'invalid_scope');
    });
  });
});

describe('refresh grace window (REFRESH_GRACE_SECONDS=1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, REFRESH_GRACE_SECONDS: '1' });
  });
  afterAll(async () => server?.close());

  it('revokes the grant when the rotated-out token is retried after the grace window', async () => {
    const { accessToken, refreshToken, client } = await obtainTokens(server);
    const next = await refreshTokens(server, client, refreshToken!);
    expect(next.status).toBe(200);
    const pair = (await next.json()) as TokenSet;
    await new Promise((r) => setTimeout(r, 1200));
    const late = await refreshTokens(server, client, refreshToken!);
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ error: 'invalid_grant' });
    const verifier = server.app.get(AccessTokenVerifier);
    for (const token of [accessToken, pair.access_token]) await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('cookies of the flow on an https SERVER_URL: __Host- prefix, Secure, HttpOnly, SameSite=Lax, Path=/', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    const port = await freePort();
    origin = `https://localhost:${port}`;
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, PORT: String(port), SERVER_URL: origin });
  });
  afterAll(async () => server?.close());

  /** The server listens on plain http behind the (imagined) TLS proxy of SERVER_URL. */
  const local = (path: string) => `http://localhost:${server.config.port}${path}`;

  function expectHostCookie(setCookie: string[], name: string) {
    const header = setCookie.find((c) => c.startsWith(`__Host-${name}=`));
    expect(header).toBeDefined();
    const attributes = header!.split(';').slice(1).map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['path=/', 'httponly', 'secure', 'samesite=lax']));
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
  }

  it('sets the browser, consent and Entra-state cookies with the __Host- prefix and Secure', async () => {
    const client = await registerClient({ url: local('') });
    const start = await fetch(authorizeUrl({ url: local('') }, { client, resource: `${origin}/` }), { redirect: 'manual' });
    const consentUrl = new URL(start.headers.get('location')!, local(''));
    expect(consentUrl.pathname).toBe('/auth/consent');
    const page = await fetch(consentUrl);
    expectHostCookie(page.headers.getSetCookie(), 'mcp_browser');
    expect(page.headers.getSetCookie().some((c) => c.startsWith('mcp_'))).toBe(false);

    const { form, button } = formWithButton(await page.text(), consentUrl, 'Allow');
    const submission = formSubmission(form, button);
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const allowed = await fetch(submission.url, { ...submission.init, redirect: 'manual', headers: { ...(submission.init.headers as Record<string, string>), cookie } });
    expect(allowed.status).toBe(303);
    expectHostCookie(allowed.headers.getSetCookie(), 'mcp_consent');
    expectHostCookie(allowed.headers.getSetCookie(), 'mcp_auth_state');
  });
});

describe('rate limits on /authorize and /revoke', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_AUTHORIZE_PER_MINUTE: '2', RATE_LIMIT_REVOKE_PER_MINUTE: '2' });
  });
  afterAll(async () => server?.close());

  it('answers the third /authorize within a minute with a 429 page, never a redirect', async () => {
    const url = `${server.url}/authorize?client_id=nobody`;
    for (let i = 0; i < 2; i++) expect((await fetch(url, { redirect: 'manual' })).status).toBe(400);
    const limited = await fetch(url, { redirect: 'manual' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('location')).toBeNull();
    expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers the third /revoke within a minute with 429 too_many_requests', async () => {
    const revoke = () => postForm(`${server.url}/revoke`, { token: 'x', client_id: 'nobody' });
    for (let i = 0; i < 2; i++) expect((await revoke()).status).toBe(401);
    const limited = await revoke();
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
  });
});

describe('logs (a server started as in production, LOG_LEVEL=info)', () => {
  let server: SpawnedProcess;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await spawnServer({ ...GENEROUS_RATE_LIMITS }));
  });
  afterAll(async () => server?.stop());

  it('never contain an authorization code, token, state, nonce or client secret: not in request URLs, not in redirect Locations', async () => {
    const client = await registerClient({ url }, { authMethod: 'client_secret_basic' });
    const pkce = newPkce();
    const flow = await authorizeWithBrowser({ url }, authorizeUrl({ url }, { client, pkce }));
    const tokens = (await (await redeemCode({ url }, client, flow.code!, pkce)).json()) as TokenSet;
    const next = (await (await refreshTokens({ url }, client, tokens.refresh_token!)).json()) as TokenSet;
    expect((await revokeToken({ url }, client, next.access_token)).status).toBe(200);
    await waitForOutput(server, '/revoke');

    const log = server.stdout() + server.stderr();
    expect(log).toContain('/auth/callback'); // the flow was logged…
    for (const secret of [flow.code!, CLIENT_STATE, client.client_secret!, tokens.access_token, tokens.refresh_token!, next.access_token, next.refresh_token!]) {
      expect(log).not.toContain(secret); // …without its secrets
    }
    expect(log).not.toMatch(/[?&](code|state|nonce)=(?!\[REDACTED\])/);
  });
});
