/**
 * The state this server sends to Entra: its own, random, single use, short-lived and bound to the
 * browser that consented (DESIGN.md security rules), checked at `/auth/callback`.
 */
import { createHash } from 'node:crypto';
import { Store } from '../src/store/store.port';
import { CookieJarClient } from './support/cookie-jar';
import { GENEROUS_RATE_LIMITS, registerClient, RegisteredTestClient } from './support/oauth-flow';
import { CLIENT_STATE, securityFlow } from './support/security-flow';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

describe('OAuth security: state towards Entra and the callback', () => {
  let server: TestServer;
  const { allowAndGetEntraUrl, signInAtEntra, expectRefusalPage, expectRedirectToClient } = securityFlow(() => server);

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS });
  });

  afterAll(async () => {
    await server?.close();
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

    it('refuses a pending authorization whose 10-minute entry has run out (its TTL cut short in the store)', async () => {
      const jar = new CookieJarClient();
      const entra = await allowAndGetEntraUrl(jar, client);
      // Instead of waiting 10 minutes, this test is about the entry's expiry: re-store it with a TTL that has run out.
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
});
