import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EMULATOR_API_CLIENT_ID, EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, EMULATOR_TENANT_ID } from './emulator.constants';
import { AppConfig, AuthMode, EntraApiConfig, EntraUpstreamConfig, NodeEnv } from './app-config';
import { EnvDto } from './env.dto';
import { isLoopbackHost } from './loopback';

export type Environment = Record<string, string | undefined>;

/** Thrown when the environment is invalid; `problems` holds one readable line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Numbers arrive as validated decimal strings. */
function num(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

const DEV_KEY_FILE = 'signing-key';
/** SERVER_NAME when unset: the product's name. */
export const DEFAULT_SERVER_NAME = 'MCP Entra Server';

/** Decodes a key given as hex (even length, 64+ chars) or base64url. */
export function decodeKey(value: string): Buffer {
  return /^([0-9a-fA-F]{2}){32,}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64url');
}

function blankToUndefined(env: Environment): Environment {
  const out: Environment = {};
  for (const [k, v] of Object.entries(env)) out[k] = v === undefined || v.trim() === '' ? undefined : v.trim();
  return out;
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * The dev-only signing key: generated once, kept in DATA_DIR with mode 0600 so restarts keep sessions.
 * Every grant's Entra tokens are encrypted under it, so it must be on disk before anything is: it is
 * written to a temporary file, flushed, then linked into place (the first of several processes
 * starting at once wins) and the directory flushed. A crash or a storage failure leaves either no
 * key file or a complete one, never an empty one.
 */
function loadOrCreateDevKey(dataDir: string): Buffer {
  const file = join(dataDir, DEV_KEY_FILE);
  if (existsSync(file)) return readDevKey(file);
  const key = randomBytes(32);
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(dataDir, { recursive: true });
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, `${key.toString('base64url')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The mode given to open is filtered by the umask; make it exact.
    chmodSync(temp, 0o600);
    try {
      linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return readDevKey(file);
    }
    fsyncDirectory(dataDir);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError([`DATA_DIR: ${dataDir} is not writable (${code}); the server keeps its state and development signing key there`]);
  } finally {
    rmSync(temp, { force: true });
  }
  return key;
}

/** A key file that does not hold a whole key is refused: starting with a short or empty key would be silent and insecure. */
function readDevKey(file: string): Buffer {
  const key = decodeKey(readFileSync(file, 'utf8').trim());
  if (key.length < 32) {
    throw new ConfigError([
      `DATA_DIR: ${file} does not hold a whole signing key (${key.length} bytes; was it cut short by a crash or a storage failure?): ` +
        'restore it from a backup, or delete it to start with a new key (every session, grant and token made with the old one then ends)',
    ]);
  }
  return key;
}

/** Makes a new directory entry durable (the file's own fsync does not cover its name). */
function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function authorityOrigin(value: string, isProduction: boolean, problems: string[]): string {
  const origin = /^https?:\/\//i.test(value) ? new URL(value).origin : `https://${value.toLowerCase()}`;
  const url = new URL(origin);
  if (url.protocol === 'http:' && (isProduction || !isLoopbackHost(url.hostname))) {
    problems.push(
      `AUTH_AUTHORITY: http is only allowed for a loopback emulator outside production (got "${value}"); for example AUTH_AUTHORITY=login.microsoftonline.com`,
    );
  }
  return origin;
}

/**
 * Validates the environment and builds the typed configuration. Collects every
 * problem before failing, so one start shows them all.
 */
export function loadConfig(rawEnv: Environment): AppConfig {
  const env = blankToUndefined(rawEnv);
  const dto = plainToInstance(EnvDto, env, { enableImplicitConversion: false });
  const problems = validateSync(dto, { skipMissingProperties: false }).flatMap((e) =>
    Object.values(e.constraints ?? {}).slice(0, 1),
  );
  if (problems.length > 0) throw new ConfigError(problems);

  const nodeEnv = (dto.NODE_ENV ?? 'development') as NodeEnv;
  const isProduction = nodeEnv === 'production';
  const port = num(dto.PORT, 8000);
  const serverUrl = (dto.SERVER_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
  const serverOrigin = new URL(serverUrl).origin;

  if (isProduction) {
    if (!dto.AUTH_TENANT_ID) problems.push('AUTH_TENANT_ID: required in production (the embedded Entra emulator never runs there); for example AUTH_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47');
    if (!dto.AUTH_CLIENT_ID) problems.push('AUTH_CLIENT_ID: required in production; for example AUTH_CLIENT_ID=00000000-1111-2222-3333-444444444444');
    if (!dto.AUTH_SIGNING_KEY) problems.push('AUTH_SIGNING_KEY: required in production; for example AUTH_SIGNING_KEY=$(openssl rand -hex 32)');
    if (!serverUrl.startsWith('https://')) problems.push(`SERVER_URL: must be https in production (got "${serverUrl}"); for example SERVER_URL=https://mcp.example.com`);
    // Client metadata documents on this machine would let anyone make the server fetch its own loopback services.
    if (dto.CIMD_ALLOW_LOOPBACK === 'true') problems.push('CIMD_ALLOW_LOOPBACK: must not be true in production (it is for development and tests only); for example CIMD_ALLOW_LOOPBACK=false');
  } else if (dto.AUTH_TENANT_ID && !dto.AUTH_CLIENT_ID) {
    problems.push('AUTH_CLIENT_ID: required when AUTH_TENANT_ID is set; for example AUTH_CLIENT_ID=00000000-1111-2222-3333-444444444444');
  } else if (!dto.AUTH_TENANT_ID && dto.AUTH_CLIENT_ID) {
    problems.push('AUTH_TENANT_ID: required when AUTH_CLIENT_ID is set (leave both unset for the embedded emulator); for example AUTH_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47');
  }

  // Node refuses a headers timeout longer than the whole-request timeout.
  if (num(dto.HTTP_HEADERS_TIMEOUT_MS, 10_000) > num(dto.HTTP_REQUEST_TIMEOUT_MS, 30_000)) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request); for example HTTP_HEADERS_TIMEOUT_MS=10000');
  }

  const emulatorPort = num(dto.EMULATOR_PORT, port === 0 ? 0 : port + 1);
  const useEmulator = !dto.AUTH_TENANT_ID && !isProduction;
  const origin = useEmulator
    ? `http://localhost:${emulatorPort}`
    : authorityOrigin(dto.AUTH_AUTHORITY ?? 'login.microsoftonline.com', isProduction, problems);
  const tenantId = useEmulator ? EMULATOR_TENANT_ID : (dto.AUTH_TENANT_ID ?? '');
  const entra: EntraUpstreamConfig = {
    mode: useEmulator ? 'embedded-emulator' : 'tenant',
    tenantId,
    clientId: useEmulator ? EMULATOR_CLIENT_ID : (dto.AUTH_CLIENT_ID ?? ''),
    clientSecret: useEmulator ? undefined : dto.AUTH_CLIENT_SECRET,
    authorityOrigin: origin,
    issuer: `${origin}/${tenantId}/v2.0`,
    redirectUri: dto.AUTH_REDIRECT_URI ?? `${serverOrigin}/auth/callback`,
  };
  const authMode = (dto.AUTH_MODE ?? 'proxy') as AuthMode;
  if (authMode !== 'proxy' && !useEmulator && !dto.AUTH_CLIENT_SECRET) {
    problems.push(`AUTH_CLIENT_SECRET: required when AUTH_MODE is ${authMode} (Graph is called through the On-Behalf-Of exchange, which needs the app's credentials); for example AUTH_CLIENT_SECRET=<a client secret of the app registration>`);
  }
  const apiClientId = useEmulator ? EMULATOR_API_CLIENT_ID : entra.clientId;
  const applicationIdUri = (dto.AUTH_API_AUDIENCE ?? `api://${apiClientId}`).replace(/\/$/, '');
  const apiScope = dto.AUTH_API_SCOPE ?? 'access_as_user';
  const entraApi: EntraApiConfig = {
    clientId: apiClientId,
    applicationIdUri,
    audiences: [...new Set([applicationIdUri, apiClientId])],
    scope: apiScope,
    fullScope: `${applicationIdUri}/${apiScope}`,
    appOnlyRole: dto.AUTH_APP_ONLY_ROLE,
    jwksCooldownSeconds: num(dto.AUTH_JWKS_COOLDOWN_SECONDS, 30),
    oboClientSecret: useEmulator ? EMULATOR_CLIENT_SECRET : dto.AUTH_CLIENT_SECRET,
  };
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDirRaw = dto.DATA_DIR ?? './data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(process.cwd(), dataDirRaw);
  const signingKey = dto.AUTH_SIGNING_KEY ? decodeKey(dto.AUTH_SIGNING_KEY) : loadOrCreateDevKey(dataDir);
  const perMinute = (limit: number) => ({ limit, windowSeconds: 60 });

  const config = new AppConfig();
  Object.assign(config, {
    nodeEnv,
    isProduction,
    port,
    serverUrl,
    serverName: dto.SERVER_NAME?.trim() || DEFAULT_SERVER_NAME,
    serverOrigin,
    entra,
    authMode,
    entraApi,
    signingKey,
    signingKeyPrevious: dto.AUTH_SIGNING_KEY_PREVIOUS ? decodeKey(dto.AUTH_SIGNING_KEY_PREVIOUS) : undefined,
    dataDir,
    redisUrl: dto.REDIS_URL,
    redisKeyPrefix: dto.REDIS_KEY_PREFIX ?? 'mcp:',
    graphBaseUrl: (dto.GRAPH_BASE_URL ?? (useEmulator ? `${origin}/v1.0` : 'https://graph.microsoft.com/v1.0')).replace(/\/$/, ''),
    emulatorPort,
    emulatorHost: dto.EMULATOR_HOST ?? '127.0.0.1',
    trustProxy: parseTrustProxy(dto.TRUST_PROXY),
    accessTokenTtlSeconds: num(dto.ACCESS_TOKEN_TTL_SECONDS, 3600),
    refreshTokenTtlDays: num(dto.REFRESH_TOKEN_TTL_DAYS, 30),
    grantMaxLifetimeDays: num(dto.GRANT_MAX_LIFETIME_DAYS, 90),
    refreshGraceSeconds: num(dto.REFRESH_GRACE_SECONDS, 30),
    clientRegistrationTtlDays: num(dto.CLIENT_REGISTRATION_TTL_DAYS, 90),
    mcpSessionIdleSeconds: num(dto.MCP_SESSION_IDLE_SECONDS, 1800),
    mcpMaxSessionsPerGrant: num(dto.MCP_MAX_SESSIONS_PER_GRANT, 20),
    http: {
      headersTimeoutMs: num(dto.HTTP_HEADERS_TIMEOUT_MS, 10_000),
      requestTimeoutMs: num(dto.HTTP_REQUEST_TIMEOUT_MS, 30_000),
      keepAliveTimeoutMs: num(dto.HTTP_KEEP_ALIVE_TIMEOUT_MS, 65_000),
      maxConnections: num(dto.HTTP_MAX_CONNECTIONS, 10_000),
    },
    cimdAllowLoopback: dto.CIMD_ALLOW_LOOPBACK === 'true',
    rateLimits: {
      register: perMinute(num(dto.RATE_LIMIT_REGISTER_PER_MINUTE, 20)),
      authorize: perMinute(num(dto.RATE_LIMIT_AUTHORIZE_PER_MINUTE, 60)),
      token: perMinute(num(dto.RATE_LIMIT_TOKEN_PER_MINUTE, 120)),
      revoke: perMinute(num(dto.RATE_LIMIT_REVOKE_PER_MINUTE, 60)),
    },
    auditLog: (dto.AUDIT_LOG ?? 'log') as AppConfig['auditLog'],
    auditRetentionDays: num(dto.AUDIT_RETENTION_DAYS, 90),
    accountSessionMinutes: num(dto.ACCOUNT_SESSION_MINUTES, 15),
    logLevel: (dto.LOG_LEVEL ?? 'info') as AppConfig['logLevel'],
  } satisfies AppConfig);
  return config;
}
