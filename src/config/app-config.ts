/**
 * The validated, typed configuration of the service. Built once at start from the
 * environment (see env.dto.ts); every other part of the code injects this instead
 * of reading process.env.
 */
export type NodeEnv = 'development' | 'production' | 'test';

export interface EntraUpstreamConfig {
  /** `embedded-emulator` when AUTH_TENANT_ID is unset outside production. */
  mode: 'tenant' | 'embedded-emulator';
  /** Entra tenant id (GUID). In emulator mode, the emulator's fixed tenant id. */
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  /** Origin of the authority, e.g. `https://login.microsoftonline.com` or `http://localhost:8001`. */
  authorityOrigin: string;
  /** `${authorityOrigin}/${tenantId}/v2.0` */
  issuer: string;
  redirectUri: string;
}

/** Who issues the bearer tokens of the MCP endpoints (AUTH_MODE). */
export type AuthMode = 'proxy' | 'direct' | 'both';

/** Entra direct mode: this server as a resource server for Entra-issued access tokens. */
export interface EntraApiConfig {
  /** The API's app registration (client) id: AUTH_CLIENT_ID, or the emulator's API app. Redeems On-Behalf-Of. */
  clientId: string;
  /** The API's Application ID URI (AUTH_API_AUDIENCE, default `api://<client id>`). */
  applicationIdUri: string;
  /** Accepted `aud` values: the Application ID URI and the client id (v2 tokens carry the client id). */
  audiences: string[];
  /** The scope name required in `scp` (AUTH_API_SCOPE). */
  scope: string;
  /** The full scope name clients request from Entra: `<Application ID URI>/<scope>`. */
  fullScope: string;
  /** App-only tokens (no `scp`) are accepted only when they carry this app role (AUTH_APP_ONLY_ROLE). */
  appOnlyRole?: string;
  /** After a JWKS fetch, an unknown `kid` refetches no sooner than this (AUTH_JWKS_COOLDOWN_SECONDS). */
  jwksCooldownSeconds: number;
  /** Client secret for the On-Behalf-Of exchange (AUTH_CLIENT_SECRET; the emulator's own constant). */
  oboClientSecret?: string;
}

export interface RateLimitConfig {
  /** Requests allowed per window and client IP. */
  limit: number;
  windowSeconds: number;
}

export class AppConfig {
  nodeEnv!: NodeEnv;
  isProduction!: boolean;
  port!: number;
  /** Public base URL without trailing slash, e.g. `https://mcp.example.com`. */
  serverUrl!: string;
  /** The name people see: consent page, `GET /`, PRM `resource_name`, the emulator's app, MCP `serverInfo`. */
  serverName!: string;
  /** `new URL(serverUrl).origin`: issuer and resource identifier. */
  serverOrigin!: string;
  entra!: EntraUpstreamConfig;
  /** proxy (this server is the authorization server), direct (Entra is), or both. */
  authMode!: AuthMode;
  entraApi!: EntraApiConfig;
  /** Base64url/hex decoded signing key material (>= 32 bytes). */
  signingKey!: Buffer;
  signingKeyPrevious?: Buffer;
  dataDir!: string;
  redisUrl?: string;
  /** Prefix of every Redis key, so several deployments can share one Redis. */
  redisKeyPrefix!: string;
  graphBaseUrl!: string;
  /** Port of the embedded Entra emulator (emulator mode only). */
  emulatorPort!: number;
  /** Interface the embedded emulator binds (loopback unless a container publishes it). */
  emulatorHost!: string;
  /** Value for Express `trust proxy` (boolean, hop count, or a list of addresses). */
  trustProxy!: boolean | number | string;
  accessTokenTtlSeconds!: number;
  refreshTokenTtlDays!: number;
  grantMaxLifetimeDays!: number;
  refreshGraceSeconds!: number;
  clientRegistrationTtlDays!: number;
  mcpSessionIdleSeconds!: number;
  /** Open MCP sessions one grant may hold on one instance; a new one beyond it is refused (429). */
  mcpMaxSessionsPerGrant!: number;
  /**
   * Development and tests only (refused in production): client metadata documents may be served
   * from a loopback host (`localhost`, `127.0.0.1`, `[::1]`), over http or https.
   */
  cimdAllowLoopback!: boolean;
  rateLimits!: {
    register: RateLimitConfig;
    authorize: RateLimitConfig;
    token: RateLimitConfig;
    revoke: RateLimitConfig;
  };
  /** `log`: audit events go to the log only; `store`: also kept in the store (queryable) for auditRetentionDays. */
  auditLog!: 'log' | 'store';
  auditRetentionDays!: number;
  /** Lifetime of a `/account` sign-in (the connected apps page). */
  accountSessionMinutes!: number;
  /** Limits of the HTTP server itself (slow clients, idle and excess connections). */
  http!: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
  };
  logLevel!: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}
