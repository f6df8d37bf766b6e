import { randomBytes } from 'node:crypto';
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { CLIENT_ID_NAME, CLIENT_NAME, CLIENT_VERSION } from './client-info';
import { ConfigStore, ServerEntry, StoredTokens } from './config-store';

/** Seconds before `expires_at` at which an access token already counts as expired. */
const EXPIRY_SKEW_SECONDS = 30;

/**
 * Thrown (through the SDK's `auth()`) when the SDK wants to register a client while
 * no callback listener is up and no earlier redirect URI is known: only a sign-in can do that.
 */
export class SignInRequiredError extends Error {
  constructor() {
    super('A browser sign-in is required.');
    this.name = 'SignInRequiredError';
  }
}

/** Credentials the user registered with the authorization server beforehand (`--client-id`, `--client-secret`). */
export interface PreRegisteredClient {
  client_id: string;
  client_secret?: string;
}

export interface ProviderEvents {
  /** After a dynamic registration (RFC 7591) was stored. */
  registered?(client: OAuthClientInformationMixed): void;
}

/**
 * The SDK's `OAuthClientProvider` for a console: registration, tokens and discovery
 * persist in the {@link ConfigStore} (one entry per server); the PKCE verifier and
 * `state` live only in memory for the one sign-in this process runs. Opening the
 * browser is not done here: the SDK hands us the authorization URL and the sign-in
 * flow decides when to show it (after its callback listener is up).
 */
export class ConsoleOAuthProvider implements OAuthClientProvider {
  private entry: ServerEntry;
  private verifier?: string;
  private lastState?: string;
  private pendingAuthorizationUrl?: URL;
  /** The loopback callback of a sign-in in progress. */
  private activeRedirectUrl?: string;
  /** The redirect URI of the last known registration, kept after it is invalidated so a re-registration keeps the port. */
  private knownRedirectUrl?: string;
  private registeredNow = false;
  /** The scope the last browser sign-in of this process asked for (memory only), the base of a step-up union. */
  signedInScope?: string;

  constructor(
    private readonly store: ConfigStore,
    readonly server: string,
    private readonly events: ProviderEvents = {},
    private readonly now: () => number = () => Date.now(),
    /** Used instead of dynamic registration, and kept only in memory (the secret is never written to disk). */
    private readonly preRegistered?: PreRegisteredClient,
    /**
     * Where the user publishes this client's metadata document (`--client-metadata-url`): the SDK uses
     * it as client_id when the authorization server advertises `client_id_metadata_document_supported`,
     * and registers dynamically otherwise.
     */
    readonly clientMetadataUrl?: string,
  ) {
    this.entry = store.load(server);
    if (preRegistered) {
      // Tokens issued to another client are not ours to use; the secret itself is not stored.
      if (this.entry.client?.client_id !== preRegistered.client_id) this.entry.tokens = undefined;
      this.entry.client = { client_id: preRegistered.client_id };
    }
    this.knownRedirectUrl = registeredRedirectUri(this.entry.client);
  }

  get redirectUrl(): string {
    // Never undefined: the SDK treats a missing redirect URL as a non-interactive
    // (client_credentials) client.
    return this.activeRedirectUrl ?? this.knownRedirectUrl ?? 'http://127.0.0.1/callback';
  }

  get clientMetadata(): OAuthClientMetadata {
    const metadata: OAuthClientMetadata & { application_type: 'native' } = {
      // OpenID Connect Dynamic Client Registration §2 (MCP SEP-837): a console app on the
      // user's machine, with a loopback redirect URI.
      application_type: 'native',
      client_name: CLIENT_NAME,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // A console app cannot keep a secret: a public client with PKCE (OAuth 2.1 §2.1).
      token_endpoint_auth_method: 'none',
      software_id: CLIENT_ID_NAME,
      software_version: CLIENT_VERSION,
    };
    return metadata;
  }

  state(): string {
    this.lastState = randomBytes(16).toString('base64url');
    return this.lastState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.preRegistered ? { ...this.preRegistered } : this.entry.client;
  }

  saveClientInformation(client: OAuthClientInformationMixed): void {
    // A pre-registered client is never replaced (the SDK may still hand it back, e.g. to stamp an issuer).
    if (this.preRegistered) return;
    const redirect = registeredRedirectUri(client);
    if (!this.activeRedirectUrl && !this.knownRedirectUrl && !redirect) throw new SignInRequiredError();
    // The SDK also calls this to stamp an `issuer` on an older registration: not a new one.
    const isNew = this.entry.client?.client_id !== client.client_id;
    this.entry.client = client;
    this.knownRedirectUrl = redirect ?? this.knownRedirectUrl;
    this.persist();
    if (isNew) {
      this.registeredNow = true;
      this.events.registered?.(client);
    }
  }

  tokens(): OAuthTokens | undefined {
    return this.entry.tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    const stored: StoredTokens = { ...tokens };
    if (typeof tokens.expires_in === 'number') {
      stored.expires_at = Math.floor(this.now() / 1000) + tokens.expires_in;
    }
    this.entry.tokens = stored;
    this.persist();
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.pendingAuthorizationUrl = authorizationUrl;
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('No sign-in is in progress in this process (no PKCE code verifier).');
    return this.verifier;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') {
      // A pre-registered client stays: tokens go, and the user's credentials are used again.
      this.entry.client = this.preRegistered ? { client_id: this.preRegistered.client_id } : undefined;
      this.registeredNow = false;
    }
    if (scope === 'all' || scope === 'client' || scope === 'tokens') this.entry.tokens = undefined;
    if (scope === 'all' || scope === 'discovery') this.entry.discovery = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    this.persist();
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.entry.discovery = state;
    this.persist();
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.entry.discovery;
  }

  // --- for the sign-in flow and the session ---

  /** True when a registration and tokens are stored (they may still be expired). */
  hasStoredSignIn(): boolean {
    return Boolean(this.clientInformation() && this.entry.tokens?.access_token);
  }

  /** True when the stored access token is past (or within 30 s of) its expiry. */
  accessTokenExpired(): boolean {
    const expiresAt = this.entry.tokens?.expires_at;
    return expiresAt !== undefined && expiresAt - EXPIRY_SKEW_SECONDS <= this.now() / 1000;
  }

  /** The loopback port the stored registration redirects to, if any. */
  registeredCallbackPort(): number | undefined {
    const uri = registeredRedirectUri(this.entry.client);
    if (!uri) return undefined;
    const port = Number(new URL(uri).port);
    return port > 0 ? port : undefined;
  }

  /** Whether this process registered the client (then a rejected authorization request is not "forgotten client"). */
  registeredInThisProcess(): boolean {
    return this.registeredNow;
  }

  useCallback(redirectUrl: string | undefined): void {
    this.activeRedirectUrl = redirectUrl;
  }

  /** The authorization URL the SDK asked to open, once. */
  takeAuthorizationUrl(): URL | undefined {
    const url = this.pendingAuthorizationUrl;
    this.pendingAuthorizationUrl = undefined;
    return url;
  }

  /** The `state` sent with the last authorization request. */
  expectedState(): string | undefined {
    return this.lastState;
  }

  entrySnapshot(): ServerEntry {
    return structuredClone(this.entry);
  }

  private persist(): void {
    this.store.save(this.entry);
  }
}

function registeredRedirectUri(client: OAuthClientInformationMixed | undefined): string | undefined {
  if (!client || !('redirect_uris' in client)) return undefined;
  const [first] = client.redirect_uris;
  return first === undefined ? undefined : String(first);
}
