/**
 * Entra direct mode for e2e tests: a pre-authorized public client signing in at the Entra
 * emulator with PKCE and a loopback redirect URI, and redeeming the code for an access token
 * for the MCP server's API (what VS Code does against a real tenant).
 */
import type { EntraEmulator } from '../../src/entra-emulator/entra-emulator';
import { CookieJarClient } from './cookie-jar';
import { authorizeWithBrowser, DemoUserName, newPkce, postForm } from './oauth-flow';

export interface EntraApiToken {
  accessToken: string;
  /** The token response's scope (the full API scope name). */
  scope: string;
  expiresIn: number;
}

/** Signs `user` in at the emulator as the public client and returns an access token for the API. */
export async function entraApiToken(emulator: EntraEmulator, user: DemoUserName = 'Adele Vance', jar = new CookieJarClient()): Promise<EntraApiToken> {
  const pkce = newPkce();
  // Loopback redirect on any port (RFC 8252 §7.3): the app registration lists it without a port.
  const redirectUri = `http://127.0.0.1:${20000 + Math.floor(Math.random() * 40000)}/callback`;
  const authorize = new URL(`${emulator.issuer.replace(/\/v2\.0$/, '')}/oauth2/v2.0/authorize`);
  for (const [name, value] of Object.entries({
    client_id: emulator.publicClientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: `${emulator.api.applicationIdUri}/${emulator.api.scope} openid profile offline_access`,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state: 'direct-state',
  })) {
    authorize.searchParams.set(name, value);
  }
  const browser = await authorizeWithBrowser({ url: 'http://server.invalid' }, authorize, { jar, user, redirectUri });
  if (!browser.code) throw new Error(`no code from the emulator (${browser.error ?? browser.response.status})`);
  const response = await postForm(`${emulator.issuer.replace(/\/v2\.0$/, '')}/oauth2/v2.0/token`, {
    grant_type: 'authorization_code',
    client_id: emulator.publicClientId,
    code: browser.code,
    code_verifier: pkce.verifier,
    redirect_uri: redirectUri,
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return { accessToken: String(body.access_token), scope: String(body.scope), expiresIn: Number(body.expires_in) };
}

/** The claims of a JWT, unverified (to assert what the emulator issued). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
