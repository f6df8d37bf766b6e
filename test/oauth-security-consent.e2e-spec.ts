/**
 * Consent before Entra (MCP security best practices): the consent page, its CSRF-protected form, the
 * signed consent cookie, the confused-deputy attack it stops, and the cookies' attributes on https.
 */
import { SigningKeysService } from '../src/config/signing-keys.service';
import { approvalFor, signConsent } from '../src/consent/consent-cookie';
import { CookieJarClient } from './support/cookie-jar';
import { formSubmission, formWithButton } from './support/html-forms';
import {
  authorizeUrl,
  authorizeWithBrowser,
  GENEROUS_RATE_LIMITS,
  registerClient,
  RegisteredTestClient,
} from './support/oauth-flow';
import { CLIENT_STATE, securityFlow } from './support/security-flow';
import { freePort, startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

describe('OAuth security: consent', () => {
  let server: TestServer;
  let entraOrigin: string;
  const { authorize, openConsent, submitConsent, allowAndGetEntraUrl, consentedBrowser, expectRefusalPage, expectRedirectToClient } = securityFlow(() => server);

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS });
    entraOrigin = server.config.entra.authorityOrigin;
  });

  afterAll(async () => {
    await server?.close();
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
