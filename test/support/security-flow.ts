import { CookieJarClient } from './cookie-jar';
import { formSubmission, formWithButton } from './html-forms';
import { authorizeUrl, authorizeWithBrowser, newPkce, Pkce, RegisteredTestClient } from './oauth-flow';
import { TestServer } from './test-app';

/** The `state` the test clients send, echoed back to them. */
export const CLIENT_STATE = 'client-state-123';

/**
 * Small steps of the authorization flow, each one HTTP hop, and the shapes its answers must
 * have, for the security specs. `server` is read at call time (specs start theirs in beforeAll).
 */
export function securityFlow(server: () => TestServer) {
  const entraOrigin = () => server().config.entra.authorityOrigin;

  /** GET /authorize in `jar`; returns the response without following it. */
  function authorize(jar: CookieJarClient, client: RegisteredTestClient, options: Parameters<typeof authorizeUrl>[1] extends infer P ? Partial<P> : never = {}) {
    return jar.fetch(authorizeUrl(server(), { client, ...options }));
  }

  /** /authorize → the consent page: its HTML, URL and response. */
  async function openConsent(jar: CookieJarClient, client: RegisteredTestClient, pkce: Pkce = newPkce()) {
    const start = await authorize(jar, client, { pkce });
    expect(start.status).toBe(302);
    const url = new URL(start.headers.get('location')!, server().url);
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
    expect(entra.origin).toBe(entraOrigin());
    return entra;
  }

  /** Signs in at the emulator (as Adele) from Entra's URL, stopping at the redirect to /auth/callback. */
  async function signInAtEntra(jar: CookieJarClient, entraUrl: URL): Promise<URL> {
    const isCallback = (url: URL) => url.origin === server().url && url.pathname === '/auth/callback';
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
    const flow = await authorizeWithBrowser(server(), authorizeUrl(server(), { client }), { jar });
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
    expect(location.searchParams.get('iss')).toBe(server().url);
    return location;
  }

  async function expectOAuthError(response: Response, status: number, error: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body).toEqual({ error, error_description: expect.any(String) });
    return body;
  }

  return {
    authorize,
    openConsent,
    submitConsent,
    allowAndGetEntraUrl,
    signInAtEntra,
    consentedBrowser,
    expectRefusalPage,
    expectRedirectToClient,
    expectOAuthError,
  };
}
