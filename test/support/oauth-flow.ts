/**
 * The OAuth dance of this server, over HTTP, for e2e tests: register a client, play the
 * browser (cookie jar) through /authorize → consent page → Entra emulator sign-in →
 * /auth/callback → the client's redirect URI, and redeem the code. Other suites (MCP,
 * console client) use `obtainTokens` to get a working access token in one call.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { CookieJarClient } from './cookie-jar';
import { formSubmission, formWithButton } from './html-forms';
import type { TestServer } from './test-app';

export type DemoUserName = 'Adele Vance' | 'Megan Bowen' | 'Alex Wilber';

/** Rate limits high enough for suites that run many flows against one server. */
export const GENEROUS_RATE_LIMITS = {
  RATE_LIMIT_REGISTER_PER_MINUTE: '10000',
  RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000',
  RATE_LIMIT_TOKEN_PER_MINUTE: '10000',
  RATE_LIMIT_REVOKE_PER_MINUTE: '10000',
};

type ServerLike = Pick<TestServer, 'url'>;

export interface RegisteredTestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  client_name?: string;
  [key: string]: unknown;
}

export interface RegisterOptions {
  name?: string;
  redirectUris?: string[];
  authMethod?: 'none' | 'client_secret_post' | 'client_secret_basic';
  grantTypes?: string[];
  /** Extra metadata fields, sent as is. */
  extra?: Record<string, unknown>;
}

/** A loopback redirect URI on a port nobody listens on (the test stops before following it). */
export function loopbackRedirectUri(): string {
  return `http://127.0.0.1:${20000 + Math.floor(Math.random() * 40000)}/oauth/callback`;
}

/** `POST /register` (RFC 7591); throws with the server's answer unless it is 201. */
export async function registerClient(server: ServerLike, options: RegisterOptions = {}): Promise<RegisteredTestClient> {
  const response = await fetch(`${server.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: options.name ?? 'Test MCP client',
      redirect_uris: options.redirectUris ?? [loopbackRedirectUri()],
      token_endpoint_auth_method: options.authMethod ?? 'none',
      grant_types: options.grantTypes ?? ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...options.extra,
    }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as RegisteredTestClient;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeParams {
  client: RegisteredTestClient;
  pkce?: Pkce;
  redirectUri?: string;
  scope?: string;
  state?: string;
  resource?: string;
  /** Raw overrides (set a value to undefined to drop the parameter). */
  params?: Record<string, string | undefined>;
}

/** The `/authorize` URL a client would send the browser to (PKCE S256, state, resource). */
export function authorizeUrl(server: ServerLike, { client, pkce = newPkce(), redirectUri, scope, state = 'client-state-123', resource, params = {} }: AuthorizeParams): URL {
  const url = new URL(`${server.url}/authorize`);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirectUri ?? client.redirect_uris[0],
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state,
    scope,
    resource: resource ?? `${server.url}/`,
    ...params,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

export interface BrowserAuthorization {
  /** Where the flow ended: the client's redirect URI (with code or error), or a page of this server. */
  url: URL;
  /** True when the flow reached the client's redirect URI. */
  reachedClient: boolean;
  /** The last response (the page shown when the client was not reached). */
  response: Response;
  consentShown: boolean;
  signInShown: boolean;
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
}

export interface BrowserOptions {
  jar?: CookieJarClient;
  user?: DemoUserName;
  /** What to click on the consent page (default Allow). */
  decision?: 'Allow' | 'Deny';
  /** Where the client's redirect URI is (default: the redirect_uri parameter of `url`). */
  redirectUri?: string;
}

const sameEndpoint = (a: URL, b: URL) => a.origin === b.origin && a.pathname === b.pathname;

/**
 * Plays the browser from an authorization URL until the client's redirect URI is reached (not
 * followed) or a page is shown that is neither the consent page nor Entra's sign-in page.
 */
export async function authorizeWithBrowser(server: ServerLike, authorizationUrl: URL | string, options: BrowserOptions = {}): Promise<BrowserAuthorization> {
  const jar = options.jar ?? new CookieJarClient();
  const start = new URL(authorizationUrl);
  const target = new URL(options.redirectUri ?? start.searchParams.get('redirect_uri') ?? 'http://invalid.invalid/');
  const stopAt = (url: URL) => sameEndpoint(url, target);
  let result = await jar.followRedirects(start, { stopAt });
  let consentShown = false;
  let signInShown = false;
  for (let step = 0; step < 4 && !result.stopped && result.response.status === 200; step++) {
    const html = await result.response.text();
    const page = result.url;
    let label: string;
    if (page.origin === new URL(server.url).origin && page.pathname === '/auth/consent') {
      consentShown = true;
      label = options.decision ?? 'Allow';
    } else if (page.origin !== new URL(server.url).origin) {
      signInShown = true;
      label = options.user ?? 'Adele Vance';
    } else {
      result = { ...result, response: new Response(html, { status: result.response.status, headers: result.response.headers }) };
      break;
    }
    const { form, button } = formWithButton(html, page, label);
    const submission = formSubmission(form, button);
    result = await jar.followRedirects(submission.url, { init: submission.init, stopAt });
  }
  const reached = result.stopped;
  const url = result.url;
  return {
    url,
    reachedClient: reached,
    response: result.response,
    consentShown,
    signInShown,
    code: reached ? (url.searchParams.get('code') ?? undefined) : undefined,
    state: reached ? (url.searchParams.get('state') ?? undefined) : undefined,
    iss: reached ? (url.searchParams.get('iss') ?? undefined) : undefined,
    error: reached ? (url.searchParams.get('error') ?? undefined) : undefined,
  };
}

/** `POST` an `application/x-www-form-urlencoded` body. */
export function postForm(url: string, params: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) body.set(name, value);
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

/** Client authentication for a token/revocation request, the way the client registered it. */
export function clientAuth(client: RegisteredTestClient): { params: Record<string, string>; headers: Record<string, string> } {
  if (client.token_endpoint_auth_method === 'client_secret_basic') {
    const basic = Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret ?? '')}`).toString('base64');
    return { params: {}, headers: { authorization: `Basic ${basic}` } };
  }
  if (client.token_endpoint_auth_method === 'client_secret_post') {
    return { params: { client_id: client.client_id, client_secret: client.client_secret ?? '' }, headers: {} };
  }
  return { params: { client_id: client.client_id }, headers: {} };
}

export interface TokenSet {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

/** `POST /token` with `grant_type=authorization_code`; returns the raw response. */
export function redeemCode(server: ServerLike, client: RegisteredTestClient, code: string, pkce: Pkce, extra: Record<string, string | undefined> = {}): Promise<Response> {
  const auth = clientAuth(client);
  return postForm(
    `${server.url}/token`,
    { grant_type: 'authorization_code', code, code_verifier: pkce.verifier, redirect_uri: client.redirect_uris[0], resource: `${server.url}/`, ...auth.params, ...extra },
    auth.headers,
  );
}

/** `POST /token` with `grant_type=refresh_token`; returns the raw response. */
export function refreshTokens(server: ServerLike, client: RegisteredTestClient, refreshToken: string, extra: Record<string, string | undefined> = {}): Promise<Response> {
  const auth = clientAuth(client);
  return postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, ...auth.params, ...extra }, auth.headers);
}

/** `POST /revoke` (RFC 7009); returns the raw response. */
export function revokeToken(server: ServerLike, client: RegisteredTestClient, token: string): Promise<Response> {
  const auth = clientAuth(client);
  return postForm(`${server.url}/revoke`, { token, ...auth.params }, auth.headers);
}

export interface ObtainedTokens {
  accessToken: string;
  refreshToken?: string;
  expiresIn: number;
  scope: string;
  clientId: string;
  client: RegisteredTestClient;
  redirectUri: string;
  /** The browser, signed in at the emulator and holding the consent cookie. */
  jar: CookieJarClient;
}

export interface ObtainOptions {
  user?: DemoUserName;
  scope?: string;
  jar?: CookieJarClient;
  /** An already registered client (default: a new public client with a loopback redirect URI). */
  client?: RegisteredTestClient;
}

/** The whole flow in one call: register (unless given), consent, sign in as `user`, redeem the code. */
export async function obtainTokens(server: ServerLike, options: ObtainOptions = {}): Promise<ObtainedTokens> {
  const client = options.client ?? (await registerClient(server));
  const jar = options.jar ?? new CookieJarClient();
  const pkce = newPkce();
  const flow = await authorizeWithBrowser(server, authorizeUrl(server, { client, pkce, scope: options.scope }), { jar, user: options.user });
  if (!flow.code) throw new Error(`authorization did not return a code (ended at ${flow.url.origin}${flow.url.pathname}, error ${flow.error ?? 'none'})`);
  const response = await redeemCode(server, client, flow.code, pkce);
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  const tokens = (await response.json()) as TokenSet;
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresIn: tokens.expires_in,
    scope: tokens.scope,
    clientId: client.client_id,
    client,
    redirectUri: client.redirect_uris[0]!,
    jar,
  };
}

/**
 * An OAuthClientProvider for the MCP SDK's `auth()` that keeps everything in memory and, instead
 * of opening a browser, records the authorization URL for the test to play the browser with.
 */
export class CapturingOAuthProvider implements OAuthClientProvider {
  authorizationUrl?: URL;
  /** Set to use a Client ID Metadata Document URL as client_id (when the server supports it) instead of registering. */
  clientMetadataUrl?: string;
  savedTokens?: OAuthTokens;
  private info?: OAuthClientInformationMixed;
  private verifier?: string;

  constructor(
    readonly redirectUrl: string = loopbackRedirectUri(),
    private readonly metadata: Partial<OAuthClientMetadata> = {},
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP SDK test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.metadata,
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.info;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.savedTokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
}
