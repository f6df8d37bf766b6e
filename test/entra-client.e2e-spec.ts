/**
 * The upstream OAuth client of Entra ID (EntraClient, openid-client) against the embedded Entra
 * emulator: discovery, the authorization URL, sign-in and code exchange, refresh, the Graph `/me`
 * stand-in, a real browser, and an unreachable Entra.
 */
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { AppConfig } from '../src/config/app-config';
import { EntraAuthorizationRequest, EntraClient } from '../src/entra/entra-client.port';
import { EntraError, EntraUnavailableError } from '../src/entra/entra.errors';
import { OpenIdEntraClient } from '../src/entra/openid-entra.client';
import { DEMO_GROUPS } from '../src/entra-emulator/demo-users';
import { EMULATOR_CLIENT_ID, EMULATOR_TENANT_ID } from '../src/config/emulator.constants';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { itWithChromium, launchBrowser } from './support/browser';
import { CookieJarClient } from './support/cookie-jar';
import { newAuthorizationRequest } from './support/entra-flow';
import { formSubmission, formWithButton } from './support/html-forms';
import { freePort, startTestServer, TestServer } from './support/test-app';

jest.setTimeout(30_000);

describe('Entra ID upstream: EntraClient against the embedded Entra emulator', () => {
  let server: TestServer;
  let entra: EntraClient;
  let emulator: EntraEmulator;
  let redirectUri: string;
  const isCallback = (url: URL) => `${url.origin}${url.pathname}` === redirectUri;

  /**
   * Drives Entra's pages like a browser: follows the authorization URL; when the
   * sign-in page appears, clicks the user's button; stops at the redirect back to
   * the server's redirect URI (no server route needed) and returns that URL.
   */
  async function signIn(jar: CookieJarClient, request: EntraAuthorizationRequest, user = 'Adele Vance') {
    let result = await jar.followRedirects(await entra.buildAuthorizationUrl(request), { stopAt: isCallback });
    let signInPageShown = false;
    if (!result.stopped) {
      expect(result.response.status).toBe(200);
      signInPageShown = true;
      const { form, button } = formWithButton(await result.response.text(), result.url, user);
      const submission = formSubmission(form, button);
      result = await jar.followRedirects(submission.url, { init: submission.init, stopAt: isCallback });
    }
    expect(result.stopped).toBe(true);
    return { callbackUrl: result.url, signInPageShown };
  }

  async function signInAndExchange(jar = new CookieJarClient(), user = 'Adele Vance') {
    const request = newAuthorizationRequest();
    const { callbackUrl } = await signIn(jar, request, user);
    return entra.exchangeCode(callbackUrl, request);
  }

  beforeAll(async () => {
    server = await startTestServer();
    entra = server.app.get(EntraClient);
    emulator = server.app.get(EntraEmulator);
    redirectUri = server.config.entra.redirectUri;
  });

  afterAll(async () => {
    await server?.close();
  });

  afterEach(() => {
    emulator.setGraphFailure('none');
    emulator.setAccessTokenLifetime(3600);
  });

  describe('the emulator looks like Entra ID v2.0 for one tenant', () => {
    it('serves discovery under /{tenant}/v2.0 with Entra’s endpoint layout and issuer', async () => {
      const origin = server.config.entra.authorityOrigin;
      const tenant = `${origin}/${EMULATOR_TENANT_ID}`;
      const response = await fetch(`${tenant}/v2.0/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      const metadata = (await response.json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        issuer: `${tenant}/v2.0`,
        authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${tenant}/oauth2/v2.0/token`,
        jwks_uri: `${tenant}/discovery/v2.0/keys`,
        end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
      });
      expect(server.config.entra.issuer).toBe(`${tenant}/v2.0`);
      expect(server.config.graphBaseUrl).toBe(`${origin}/v1.0`);
      const keys = (await (await fetch(`${tenant}/discovery/v2.0/keys`)).json()) as { keys: Record<string, unknown>[] };
      expect(keys.keys).toHaveLength(1);
      expect(keys.keys[0]).not.toHaveProperty('d');
    });

    it('answers AADSTS90002 for another tenant, such as common', async () => {
      const response = await fetch(`${server.config.entra.authorityOrigin}/common/v2.0/.well-known/openid-configuration`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_tenant', error_description: expect.stringContaining('AADSTS90002') });
    });
  });

  describe('authorization URL', () => {
    it('uses the code flow with PKCE S256, the four upstream scopes and the configured redirect URI, and no resource parameter', async () => {
      const request = newAuthorizationRequest();
      const url = await entra.buildAuthorizationUrl(request);
      expect(`${url.origin}${url.pathname}`).toBe(`${server.config.entra.authorityOrigin}/${EMULATOR_TENANT_ID}/oauth2/v2.0/authorize`);
      const params = Object.fromEntries(url.searchParams);
      expect(params).toEqual({
        client_id: EMULATOR_CLIENT_ID,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid profile offline_access User.Read',
        state: request.state,
        nonce: request.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(request.codeVerifier),
        code_challenge_method: 'S256',
      });
      expect(entra.authorityOrigin).toBe(server.config.entra.authorityOrigin);
    });

    it('is refused without a PKCE challenge (the emulator enforces PKCE S256, like a public client in Entra)', async () => {
      const url = await entra.buildAuthorizationUrl(newAuthorizationRequest());
      url.searchParams.delete('code_challenge');
      url.searchParams.delete('code_challenge_method');
      const result = await new CookieJarClient().followRedirects(url, { stopAt: isCallback });
      expect(result.stopped).toBe(true);
      expect(result.url.searchParams.get('error')).toBe('invalid_request');
    });
  });

  describe('sign-in and code exchange', () => {
    it('signs Adele Vance in and redeems the code for her identity, a Graph access token and a refresh token', async () => {
      const jar = new CookieJarClient();
      const request = newAuthorizationRequest();
      const { callbackUrl, signInPageShown } = await signIn(jar, request);
      expect(signInPageShown).toBe(true);
      expect(callbackUrl.searchParams.get('code')).toEqual(expect.any(String));
      expect(callbackUrl.searchParams.get('state')).toBe(request.state);

      const before = Date.now();
      const tokens = await entra.exchangeCode(callbackUrl, request);
      const adele = emulator.users.find((u) => u.name === 'Adele Vance')!;
      expect(tokens.identity).toEqual({ oid: adele.oid, tid: EMULATOR_TENANT_ID, name: 'Adele Vance', preferredUsername: 'adelev@contoso.example', roles: ['Tools.Admin'], groups: [DEMO_GROUPS.toolAdministrators] });
      expect(tokens.accessToken).toEqual(expect.any(String));
      expect(tokens.refreshToken).toEqual(expect.any(String));
      expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 3599_000);
      expect(tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    });

    it('keys the user by oid: the id_token sub is pairwise and differs from oid, as in Entra', async () => {
      const tokens = await signInAndExchange();
      const adele = emulator.users[0]!;
      expect(emulator.subjectOf(adele)).not.toBe(adele.oid);
      expect(tokens.identity.oid).toBe(adele.oid);
    });

    it('signs the same browser in silently the second time: no page, straight back with a code', async () => {
      const jar = new CookieJarClient();
      await signIn(jar, newAuthorizationRequest());
      const request = newAuthorizationRequest();
      const second = await signIn(jar, request);
      expect(second.signInPageShown).toBe(false);
      expect((await entra.exchangeCode(second.callbackUrl, request)).identity.name).toBe('Adele Vance');
    });

    it('grants consent itself, also when the request insists with prompt=consent (an admin-consented app has no consent page)', async () => {
      const jar = new CookieJarClient();
      await signIn(jar, newAuthorizationRequest());
      const request = newAuthorizationRequest();
      const url = await entra.buildAuthorizationUrl(request);
      url.searchParams.set('prompt', 'consent');
      const result = await jar.followRedirects(url, { stopAt: isCallback });
      expect(result.stopped).toBe(true);
      expect((await entra.exchangeCode(result.url, request)).identity.name).toBe('Adele Vance');
    });

    it('asks again when the request says prompt=login, as Entra does', async () => {
      const jar = new CookieJarClient();
      await signIn(jar, newAuthorizationRequest());
      const url = await entra.buildAuthorizationUrl(newAuthorizationRequest());
      url.searchParams.set('prompt', 'login');
      const result = await jar.followRedirects(url, { stopAt: isCallback });
      expect(result.stopped).toBe(false);
      expect(await result.response.text()).toContain('>Megan Bowen</button>');
    });

    it('signs Megan Bowen in from a fresh browser', async () => {
      const tokens = await signInAndExchange(new CookieJarClient(), 'Megan Bowen');
      expect(tokens.identity).toMatchObject({ name: 'Megan Bowen', preferredUsername: 'meganb@contoso.example', tid: EMULATOR_TENANT_ID, roles: [], groups: [DEMO_GROUPS.marketing] });
    });

    it('shows the sign-in page again after signing out at the logout endpoint', async () => {
      const jar = new CookieJarClient();
      await signIn(jar, newAuthorizationRequest());
      const logout = await jar.followRedirects(`${server.config.entra.issuer.replace(/\/v2\.0$/, '')}/oauth2/v2.0/logout`);
      expect(logout.response.status).toBe(200);
      const { form, button } = formWithButton(await logout.response.text(), logout.url, 'Sign out');
      const submission = formSubmission(form, button);
      const signedOut = await jar.followRedirects(submission.url, { init: submission.init });
      expect(await signedOut.response.text()).toContain('You signed out');
      expect((await signIn(jar, newAuthorizationRequest(), 'Alex Wilber')).signInPageShown).toBe(true);
    });

    it('rejects a wrong PKCE verifier with invalid_grant', async () => {
      const request = newAuthorizationRequest();
      const { callbackUrl } = await signIn(new CookieJarClient(), request);
      const attempt = entra.exchangeCode(callbackUrl, { ...request, codeVerifier: oidc.randomPKCECodeVerifier() });
      await expect(attempt).rejects.toBeInstanceOf(EntraError);
      await expect(attempt).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
    });

    it('rejects a replayed authorization code with invalid_grant', async () => {
      const request = newAuthorizationRequest();
      const { callbackUrl } = await signIn(new CookieJarClient(), request);
      await entra.exchangeCode(callbackUrl, request);
      await expect(entra.exchangeCode(callbackUrl, request)).rejects.toMatchObject({ name: 'EntraError', error: 'invalid_grant' });
    });

    it('rejects a callback whose state is not the one sent, without redeeming the code', async () => {
      const request = newAuthorizationRequest();
      const { callbackUrl } = await signIn(new CookieJarClient(), request);
      await expect(entra.exchangeCode(callbackUrl, { ...request, state: oidc.randomState() })).rejects.toMatchObject({ error: 'invalid_response' });
      expect((await entra.exchangeCode(callbackUrl, request)).identity.name).toBe('Adele Vance');
    });

    it('rejects an id_token whose nonce is not the one sent', async () => {
      const request = newAuthorizationRequest();
      const { callbackUrl } = await signIn(new CookieJarClient(), request);
      const failure = await entra.exchangeCode(callbackUrl, { ...request, nonce: oidc.randomNonce() }).catch((e: unknown) => e);
      expect(failure).toMatchObject({ error: 'invalid_response' });
      expect(String((failure as Error).message)).not.toMatch(/eyJ/);
    });

    it('passes Entra’s error from the callback on as EntraError (e.g. the user cancelled)', async () => {
      const request = newAuthorizationRequest();
      const callback = new URL(redirectUri);
      callback.search = new URLSearchParams({
        error: 'access_denied',
        error_description: 'AADSTS65004: User declined to consent to access the app.',
        state: request.state,
        // The emulator (unlike Entra) advertises RFC 9207 `iss`, so openid-client expects it.
        iss: server.config.entra.issuer,
      }).toString();
      const failure = (await entra.exchangeCode(callback, request).catch((e: unknown) => e)) as EntraError;
      expect(failure).toBeInstanceOf(EntraError);
      expect(failure).toMatchObject({ error: 'access_denied', aadstsCode: 'AADSTS65004' });
    });
  });

  describe('refresh', () => {
    it('returns new tokens and a rotated refresh token; the rotated-out one is refused', async () => {
      const first = await signInAndExchange();
      const refreshed = await entra.refresh(first.refreshToken!);
      expect(refreshed.accessToken).not.toBe(first.accessToken);
      expect(refreshed.refreshToken).toEqual(expect.any(String));
      expect(refreshed.refreshToken).not.toBe(first.refreshToken);
      expect(refreshed.identity).toMatchObject({ name: 'Adele Vance', tid: EMULATOR_TENANT_ID });
      await expect(entra.refresh(first.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('follows the access token lifetime the emulator is set to', async () => {
      emulator.setAccessTokenLifetime(120);
      const tokens = await signInAndExchange();
      expect(tokens.expiresAt - Date.now()).toBeLessThanOrEqual(120_000);
      expect(tokens.expiresAt - Date.now()).toBeGreaterThan(100_000);
    });

    it('fails with invalid_grant once Entra has revoked the refresh tokens', async () => {
      const tokens = await signInAndExchange();
      expect(await emulator.revokeRefreshTokens()).toBeGreaterThan(0);
      const failure = (await entra.refresh(tokens.refreshToken!).catch((e: unknown) => e)) as EntraError;
      expect(failure).toBeInstanceOf(EntraError);
      expect(failure).not.toBeInstanceOf(EntraUnavailableError);
      expect(failure.error).toBe('invalid_grant');
      expect(failure.message).not.toContain(tokens.refreshToken!);
    });
  });

  describe('Graph /me stand-in', () => {
    const me = () => `${server.config.graphBaseUrl}/me`;

    it('returns the signed-in user’s profile for the Entra access token', async () => {
      const { accessToken } = await signInAndExchange();
      const response = await fetch(me(), { headers: { authorization: `Bearer ${accessToken}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        displayName: 'Adele Vance',
        mail: 'adelev@contoso.example',
        userPrincipalName: 'adelev@contoso.example',
        jobTitle: 'Retail Manager',
        id: emulator.users[0]!.oid,
      });
    });

    it('also accepts the access token from a refresh', async () => {
      const refreshed = await entra.refresh((await signInAndExchange(new CookieJarClient(), 'Alex Wilber')).refreshToken!);
      const response = await fetch(me(), { headers: { authorization: `Bearer ${refreshed.accessToken}` } });
      expect(((await response.json()) as { displayName: string }).displayName).toBe('Alex Wilber');
    });

    it.each([
      ['no token', undefined],
      ['a malformed token', 'Bearer not-a-jwt'],
      ['a token signed by someone else', `Bearer ${['eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9', Buffer.from('{"oid":"x"}').toString('base64url'), randomBytes(32).toString('base64url')].join('.')}`],
    ])('answers 401 InvalidAuthenticationToken in Graph’s error shape for %s', async (_what, authorization) => {
      const response = await fetch(me(), { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await response.json()).toEqual({ error: { code: 'InvalidAuthenticationToken', message: expect.any(String), innerError: expect.any(Object) } });
    });

    it('answers 401 for an expired access token', async () => {
      emulator.setAccessTokenLifetime(1);
      const { accessToken } = await signInAndExchange();
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await fetch(me(), { headers: { authorization: `Bearer ${accessToken}` } });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
    });

    it('can be switched to answer 429 or 503 with Retry-After, to reject tokens, or to drop the connection; and counts requests', async () => {
      const { accessToken } = await signInAndExchange();
      const get = () => fetch(me(), { headers: { authorization: `Bearer ${accessToken}` } });
      emulator.resetGraphRequestCount();
      for (const [failure, status, code] of [['429', 429, 'TooManyRequests'], ['503', 503, 'ServiceUnavailable'], ['401', 401, 'InvalidAuthenticationToken']] as const) {
        emulator.setGraphFailure(failure);
        const response = await get();
        expect(response.status).toBe(status);
        if (status !== 401) expect(response.headers.get('retry-after')).toBe('1');
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
      }
      emulator.setGraphFailure('unreachable');
      await expect(get()).rejects.toThrow('fetch failed');
      emulator.setGraphFailure('none');
      expect((await get()).status).toBe(200);
      expect(emulator.graphRequestCount).toBe(5);
    });
  });

  describe('in a real browser', () => {
    itWithChromium('signs in by clicking “Adele Vance” on the sign-in page, then silently the second time', async () => {
      const browser = (await launchBrowser())!;
      try {
        const page = await (await browser.newContext()).newPage();
        // Record every URL the browser requests (redirect hops included), to catch the redirect back with the code.
        const requested: URL[] = [];
        page.on('request', (r) => requested.push(new URL(r.url())));
        const callback = async () => {
          await page.waitForURL(`${redirectUri}**`);
          return requested.filter(isCallback).pop()!;
        };

        const request = newAuthorizationRequest();
        await page.goto((await entra.buildAuthorizationUrl(request)).href);
        await page.getByRole('button', { name: 'Adele Vance', exact: true }).click();
        expect((await entra.exchangeCode(await callback(), request)).identity.name).toBe('Adele Vance');

        requested.length = 0;
        const again = newAuthorizationRequest();
        await page.goto((await entra.buildAuthorizationUrl(again)).href);
        expect((await entra.exchangeCode(await callback(), again)).identity.name).toBe('Adele Vance');
        expect(requested.some((url) => url.pathname.includes('/interaction/'))).toBe(false);
      } finally {
        await browser.close();
      }
    });
  });

  describe('when Entra cannot be reached', () => {
    it('fails with EntraUnavailableError, and retries discovery on the next call', async () => {
      const port = await freePort();
      const config = Object.assign(new AppConfig(), server.config, {
        entra: {
          ...server.config.entra,
          authorityOrigin: `http://localhost:${port}`,
          issuer: `http://localhost:${port}/${EMULATOR_TENANT_ID}/v2.0`,
        },
      });
      const client = new OpenIdEntraClient(config);
      await expect(client.buildAuthorizationUrl(newAuthorizationRequest())).rejects.toBeInstanceOf(EntraUnavailableError);

      const standalone = new EntraEmulator({ port, redirectUris: [redirectUri] });
      await standalone.start();
      try {
        const url = await client.buildAuthorizationUrl(newAuthorizationRequest());
        expect(url.origin).toBe(`http://localhost:${port}`);
      } finally {
        await standalone.stop();
      }
    });
  });
});
