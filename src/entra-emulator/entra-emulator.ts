import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'oidc-provider';
import { Provider } from './oidc-provider.loader';
import { DEMO_USERS, DemoUser, findDemoUser, pairwiseSubject } from './demo-users';
import { EMULATOR_CLIENT_ID, EMULATOR_TENANT_ID } from '../config/emulator.constants';
import { emulatorProviderConfiguration, entraRoutes } from './emulator-provider.config';
import { API_APPLICATION_ID_URI, CONSENT_REQUIRED, DirectModeKeys, entraV2Claims, JWT_BEARER_GRANT, onBehalfOfGrant, OboRefusal, OboState, signWithCurrentKey } from './direct-mode';
import { EMULATOR_API_CLIENT_ID, EMULATOR_API_SCOPE, EMULATOR_PUBLIC_CLIENT_ID } from '../config/emulator.constants';
import type { JWTPayload } from 'jose';
import { errorPage, PAGE_CSP, signInPage } from './emulator.pages';
import { GraphFailure, GraphStandIn } from './graph-stand-in';
import { EmulatorStore, EmulatorKeys } from './emulator-store.adapter';
import { MemoryStore } from '../store/memory.store';
import { Store } from '../store/store.port';

export type { GraphFailure } from './graph-stand-in';
export type { OboRefusal } from './direct-mode';

/** Where the emulator writes its own log lines (Nest's Logger fits; the CLI writes to stderr). */
export interface EmulatorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EntraEmulatorOptions {
  /** Port to listen on; 0 picks a free one (read it back from `port` after start). */
  port: number;
  /** Interface to bind; default loopback. The public origin is always `http://localhost:<port>`. */
  host?: string;
  /** Redirect URIs of the emulated app registration (exact match, as in Entra). */
  redirectUris: string[];
  /** Where the logout endpoint may send the browser back to; default: the redirect URIs' origins. */
  postLogoutRedirectUris?: string[];
  /** Lifetime of access tokens for Graph; default 3600 s. */
  accessTokenLifetimeSeconds?: number;
  /**
   * Where the emulator keeps its signing key, sessions, grants and refresh tokens. The
   * embedded emulator passes the server's store, so sign-ins survive a restart; default:
   * in memory (a fresh key and no sessions on every start).
   */
  store?: Store;
  /** The app registration's display name, shown on the sign-in page. */
  appName?: string;
  logger?: EmulatorLogger;
}

const DEFAULT_ACCESS_TOKEN_LIFETIME = 3600;
const DEFAULT_APP_NAME = 'MCP server';
const MAX_FORM_BYTES = 8 * 1024;

const silentLogger: EmulatorLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A new RS256 signing key and cookie key, used for as long as the emulator's store keeps them. */
function generateKeys(): EmulatorKeys {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' } as JWK;
  return { signingKey, cookieKeys: [randomBytes(32).toString('base64url')] };
}

/** The public half of an RSA private JWK. */
function publicJwkOf({ kty, n, e, kid, alg, use }: JWK): JWK {
  return { kty, n, e, kid, alg, use } as JWK;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

/**
 * A stand-in for Microsoft Entra ID (v2.0 endpoints of one tenant) and for
 * Microsoft Graph `/v1.0/me`, on its own origin, for development and tests.
 * Framework-free: the Nest module and the standalone CLI both drive this class.
 *
 * Layout (as on login.microsoftonline.com), `{t}` = the emulator's tenant id:
 * `/{t}/v2.0/.well-known/openid-configuration`, `/{t}/oauth2/v2.0/authorize`,
 * `/{t}/oauth2/v2.0/token`, `/{t}/discovery/v2.0/keys`, `/{t}/oauth2/v2.0/logout`,
 * issuer `http://localhost:<port>/{t}/v2.0`; Graph at `/v1.0/me`.
 */
export class EntraEmulator {
  readonly tenantId = EMULATOR_TENANT_ID;
  readonly clientId = EMULATOR_CLIENT_ID;
  readonly users: readonly DemoUser[] = DEMO_USERS;

  private readonly logger: EmulatorLogger;
  private readonly store: EmulatorStore;
  private readonly routes = entraRoutes(`/${EMULATOR_TENANT_ID}`);
  private accessTokenLifetime: number;
  /** App roles assigned at run time (tests), by user object id; otherwise the demo user's own. */
  private readonly assignedRoles = new Map<string, string[]>();
  private server?: Server;
  private provider?: Provider;
  private providerHandler?: ReturnType<Provider['callback']>;
  private graph?: GraphStandIn;
  private boundPort?: number;
  /** Private signing keys, the current one first; a rotation puts a new key first and keeps the previous one published. */
  private signingKeys: JWK[] = [];
  private cookieKeys: string[] = [];
  private readonly obo: OboState = { exchanges: 0 };
  private readonly directKeys: DirectModeKeys = {
    signingKeys: () => this.signingKeys,
    issuer: () => this.issuer,
    accessTokenLifetimeSeconds: () => this.accessTokenLifetime,
  };
  /** Requests for the JWKS since start or the last reset (tests see key caching with it). */
  private jwksRequests = 0;

  constructor(private readonly options: EntraEmulatorOptions) {
    this.logger = options.logger ?? silentLogger;
    this.store = new EmulatorStore(options.store ?? new MemoryStore());
    this.accessTokenLifetime = options.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME;
  }

  /** The port it listens on (after start). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('The Entra emulator is not started');
    return this.boundPort;
  }

  /** `http://localhost:<port>`: the value for AUTH_AUTHORITY. */
  get origin(): string {
    return `http://localhost:${this.port}`;
  }

  get issuer(): string {
    return `${this.origin}/${this.tenantId}/v2.0`;
  }

  /** The value for GRAPH_BASE_URL. */
  get graphBaseUrl(): string {
    return `${this.origin}/v1.0`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;

    const { signingKey, cookieKeys } = await this.store.keys(generateKeys);
    this.signingKeys = [signingKey];
    this.cookieKeys = cookieKeys;
    this.buildProvider();
  }

  /** (Re)builds oidc-provider and the Graph stand-in over the current keys; state lives in the store, so nothing is lost. */
  private buildProvider(): void {
    const redirectOrigins = [...new Set(this.options.redirectUris.map((uri) => `${new URL(uri).origin}/`))];
    const provider = new Provider(
      this.issuer,
      emulatorProviderConfiguration({
        tenantPath: `/${this.tenantId}`,
        clientId: this.clientId,
        redirectUris: this.options.redirectUris,
        postLogoutRedirectUris: this.options.postLogoutRedirectUris ?? redirectOrigins,
        signingKeys: this.signingKeys,
        cookieKeys: this.cookieKeys,
        appName: this.options.appName,
        store: this.store,
        accessTokenLifetimeSeconds: () => this.accessTokenLifetime,
        rolesOf: (user) => this.assignedRoles.get(user.oid) ?? user.roles,
      }),
    );
    provider.registerGrantType(JWT_BEARER_GRANT, onBehalfOfGrant(this.directKeys, this.obo), ['assertion', 'requested_token_use', 'scope']);
    provider.on('server_error', (_ctx: unknown, error: Error) => this.logger.error(`Entra emulator error: ${error.message}`));
    this.provider = provider;
    this.providerHandler = provider.callback();
    this.graph = new GraphStandIn(this.issuer, { keys: this.signingKeys.map((key) => publicJwkOf(key)) as never }, this.graph);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- switches for tests ------------------------------------------------

  /** Direct mode: the API app registration's client id, Application ID URI and scope name. */
  readonly api = { clientId: EMULATOR_API_CLIENT_ID, applicationIdUri: API_APPLICATION_ID_URI, scope: EMULATOR_API_SCOPE } as const;
  /** Direct mode: the pre-authorized public client (PKCE, loopback redirect `http://127.0.0.1:<any port>/callback`). */
  readonly publicClientId = EMULATOR_PUBLIC_CLIENT_ID;

  /**
   * Key rotation, as Entra does it: a new signing key signs from now on; the previous one stays
   * published (older ones drop out). Until restart only: the store keeps the original key.
   */
  rotateSigningKeys(): void {
    const next = generateKeys().signingKey;
    this.signingKeys = [next, ...this.signingKeys.slice(0, 1)];
    this.buildProvider();
  }

  /** Makes every On-Behalf-Of request fail with this Entra error (default AADSTS65001: no consent). */
  refuseOnBehalfOf(refusal: OboRefusal = CONSENT_REQUIRED): void {
    this.obo.refusal = refusal;
  }

  /** Undoes refuseOnBehalfOf. */
  allowOnBehalfOf(): void {
    this.obo.refusal = undefined;
  }

  /** Successful On-Behalf-Of exchanges since start or the last reset. */
  get onBehalfOfExchangeCount(): number {
    return this.obo.exchanges;
  }

  resetOnBehalfOfExchangeCount(): void {
    this.obo.exchanges = 0;
  }

  /** JWKS requests since start or the last reset. */
  get jwksRequestCount(): number {
    return this.jwksRequests;
  }

  /**
   * A v2.0 access token for the API as Entra would issue it to the public client for `user`, signed
   * with the current key; `claims` override or (undefined) remove claims. For tests of token
   * validation (wrong audience, expired…); the real way to get one is the PKCE flow.
   */
  async mintApiAccessToken(user: DemoUser, claims: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      ...entraV2Claims(user, EMULATOR_API_CLIENT_ID, EMULATOR_PUBLIC_CLIENT_ID, EMULATOR_API_SCOPE),
      iss: this.issuer,
      iat: now,
      nbf: now,
      exp: now + this.accessTokenLifetime,
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return signWithCurrentKey(this.directKeys, payload as JWTPayload, 'JWT');
  }

  /** Lifetime of access tokens issued from now on (to test expiry and refresh). */
  setAccessTokenLifetime(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError('access token lifetime must be a positive whole number of seconds');
    this.accessTokenLifetime = seconds;
  }

  /**
   * Assigns app roles to a demo user from now on, as an administrator would in Entra: the next
   * id_token (sign-in or refresh) carries them.
   */
  setAppRoles(name: string, roles: string[]): void {
    const user = DEMO_USERS.find((u) => u.name === name);
    if (!user) throw new RangeError(`no demo user named ${name}`);
    this.assignedRoles.set(user.oid, [...roles]);
  }

  /** Makes Graph answer 429 or 503 (Retry-After: 1), drop the connection, or reject every token; `none` restores it. */
  setGraphFailure(failure: GraphFailure): void {
    this.requireGraph().failure = failure;
  }

  /** Requests that reached Graph `/v1.0/me` since start or the last reset. */
  get graphRequestCount(): number {
    return this.requireGraph().meRequests;
  }

  resetGraphRequestCount(): void {
    this.requireGraph().meRequests = 0;
  }

  /** Revokes every refresh token issued so far: the next refresh fails with `invalid_grant`, as when Entra revokes sessions. */
  revokeRefreshTokens(): Promise<number> {
    return this.store.deleteModel('RefreshToken');
  }

  /** The pairwise `sub` a demo user gets in this emulator's id_tokens. */
  subjectOf(user: DemoUser): string {
    return pairwiseSubject(user, this.clientId);
  }

  // ---- HTTP ----------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // No emulator response may be framed or sniffed; pages carry no script.
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const { provider, providerHandler, graph } = this;
    if (!provider || !providerHandler || !graph) {
      sendHtml(res, 503, errorPage('temporarily_unavailable', 'The emulator is starting.'));
      return;
    }
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const interaction = new RegExp(`^${this.routes.interaction}/([\\w-]+)(/login)?$`).exec(path);
      if (path === this.routes.jwks) this.jwksRequests += 1;
      if (path.startsWith('/v1.0/')) {
        await graph.handle(req, res, path);
      } else if (path === this.routes.discovery) {
        // oidc-provider serves discovery at a fixed relative path; Entra's sits under the issuer.
        req.url = '/.well-known/openid-configuration';
        await providerHandler(req, res);
      } else if (interaction && req.method === 'GET' && !interaction[2]) {
        await this.showSignIn(provider, req, res, interaction[1]!);
      } else if (interaction && req.method === 'POST' && interaction[2]) {
        await this.signIn(provider, req, res, interaction[1]!);
      } else if (path.startsWith(`/${this.tenantId}/`)) {
        await providerHandler(req, res);
      } else if (/^\/[^/]+\/(v2\.0|oauth2|discovery)\//.test(path)) {
        // AADSTS90002: Entra's answer for an unknown tenant (e.g. `common` here, where the issuer check needs the GUID).
        res.writeHead(400, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${path.split('/')[1]}' not found. This emulator serves tenant ${this.tenantId} only.` }));
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'not_found' }));
      }
    } catch (error) {
      this.logger.error(`Entra emulator error: ${(error as Error).message}`);
      if (!res.headersSent) sendHtml(res, 500, errorPage('server_error'));
      else res.destroy();
    }
  }

  /**
   * The sign-in page (oidc-provider's `login` prompt). Consent is never a page:
   * loadExistingGrant grants everything up front; a consent prompt that still
   * comes up (e.g. `prompt=consent`) is granted here without asking.
   */
  private async showSignIn(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await this.interaction(provider, req, res, uid);
    if (!details) return;
    if (details.prompt.name === 'consent' && details.session?.accountId) {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
      if (!grant) throw new Error('grant of the pending consent not found');
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
      await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      return;
    }
    sendHtml(res, 200, signInPage(`${this.routes.interaction}/${uid}/login`, this.users, this.options.appName ?? DEFAULT_APP_NAME));
  }

  private async signIn(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await this.interaction(provider, req, res, uid);
    if (!details) return;
    const user = findDemoUser((await readForm(req))?.get('user') ?? '');
    if (!user) {
      sendHtml(res, 400, errorPage('invalid_request', 'Pick one of the listed accounts.'));
      return;
    }
    this.logger.log(`Entra emulator: ${user.name} signed in`);
    await provider.interactionFinished(req, res, { login: { accountId: this.subjectOf(user) } }, { mergeWithLastSubmission: false });
  }

  /** The pending interaction bound to this browser (cookie) and this URL, or an error page. */
  private async interaction(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string) {
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.uid === uid) return details;
    } catch {
      // no interaction cookie, or expired: answered below
    }
    sendHtml(res, 400, errorPage('invalid_request', 'This sign-in request has expired or belongs to another browser. Start again from the application.'));
    return undefined;
  }

  private requireGraph(): GraphStandIn {
    if (!this.graph) throw new Error('The Entra emulator is not started');
    return this.graph;
  }
}
