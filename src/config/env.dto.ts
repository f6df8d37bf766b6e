import { IsIn, IsOptional, IsString, Matches, ValidateBy, ValidationArguments } from 'class-validator';

/** A readable message naming the variable, the problem and a good example; never echoes secrets. */
function explain(problem: string, example: string, secret = false) {
  return (args: ValidationArguments): string => {
    const shown = secret ? '' : ` (got "${String(args.value)}")`;
    return `${args.property}: ${problem}${shown}; for example ${args.property}=${example}`;
  };
}

/** An integer given as decimal digits, within [min, max]. */
function IntegerIn(min: number, max: number, what: string, example: string) {
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
  return ValidateBy(
    {
      name: 'integerIn',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && /^\d{1,15}$/.test(value) && Number(value) >= min && Number(value) <= max,
        defaultMessage: explain(`${what} ${range}`, example),
      },
    },
  );
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The environment as the service reads it. Every variable here is listed, with a
 * comment, in `.env.example`. Cross-variable rules live in load-config.ts.
 */
export class EnvDto {
  @IsOptional() @IsIn(['development', 'production', 'test'], { message: explain('must be development, production or test', 'production') })
  NODE_ENV?: string;

  @IsOptional() @IntegerIn(0, 65535, 'must be an integer port number', '8000')
  PORT?: string;

  @IsOptional() @Matches(/^https?:\/\/[^/?#\s]+\/?$/, { message: explain('must be an http(s) origin without path, query or fragment', 'https://mcp.example.com') })
  SERVER_URL?: string;

  @IsOptional() @Matches(/^[^\p{Cc}<>]{1,80}$/u, { message: explain('must be 1-80 characters without control characters or < >', '"Contoso HR tools"') })
  SERVER_NAME?: string;

  @IsOptional() @Matches(GUID, { message: explain('must be the tenant GUID (domain names and common/organizations/consumers cannot be used: the id_token issuer check needs the GUID)', '72f988bf-86f1-41af-91ab-2d7cd011db47') })
  AUTH_TENANT_ID?: string;

  @IsOptional() @Matches(GUID, { message: explain('must be the application (client) id GUID of the Entra app registration', '00000000-1111-2222-3333-444444444444') })
  AUTH_CLIENT_ID?: string;

  @IsOptional() @IsString() @Matches(/\S/, { message: explain('must not be empty when set', '<the client secret from the app registration>', true) })
  AUTH_CLIENT_SECRET?: string;

  @IsOptional() @Matches(/^([a-z0-9.-]+(:\d+)?|https?:\/\/[^/?#\s]+)$/i, { message: explain('must be a host name or an origin', 'login.microsoftonline.com') })
  AUTH_AUTHORITY?: string;

  @IsOptional() @Matches(/^https?:\/\/[^#\s]+$/, { message: explain('must be an absolute http(s) URL', 'https://mcp.example.com/auth/callback') })
  AUTH_REDIRECT_URI?: string;

  @IsOptional() @IsIn(['proxy', 'direct', 'both'], { message: explain('must be proxy, direct or both', 'proxy') })
  AUTH_MODE?: string;

  @IsOptional() @Matches(/^(api:\/\/|https:\/\/)[^\s?#]+$/, { message: explain('must be the Application ID URI of the API (api://… or https://…, no query or fragment)', 'api://00000000-1111-2222-3333-444444444444') })
  AUTH_API_AUDIENCE?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: explain('must be the name of the scope the API exposes (letters, digits, _ . -)', 'access_as_user') })
  AUTH_API_SCOPE?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: explain('must be the name of an app role (letters, digits, _ . -)', 'Mcp.Tools.All') })
  AUTH_APP_ONLY_ROLE?: string;

  @IsOptional() @IntegerIn(0, 3600, 'must be a whole number of seconds', '30')
  AUTH_JWKS_COOLDOWN_SECONDS?: string;

  @IsOptional() @Matches(/^([A-Za-z0-9_-]{43,}={0,2}|([0-9a-fA-F]{2}){32,})$/, { message: explain('must be at least 32 random bytes as base64url or hex', '$(openssl rand -hex 32)', true) })
  AUTH_SIGNING_KEY?: string;

  @IsOptional() @Matches(/^([A-Za-z0-9_-]{43,}={0,2}|([0-9a-fA-F]{2}){32,})$/, { message: explain('must be at least 32 random bytes as base64url or hex', '<the previous AUTH_SIGNING_KEY>', true) })
  AUTH_SIGNING_KEY_PREVIOUS?: string;

  @IsOptional() @IsString() @Matches(/\S/, { message: explain('must not be empty when set', './data') })
  DATA_DIR?: string;

  @IsOptional() @Matches(/^rediss?:\/\/\S+$/, { message: explain('must be a redis:// or rediss:// URL', 'redis://127.0.0.1:6379', true) })
  REDIS_URL?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, { message: explain('must be 1-64 letters, digits or : _ . -', 'mcp:prod:') })
  REDIS_KEY_PREFIX?: string;

  @IsOptional() @Matches(/^https?:\/\/[^?#\s]+$/, { message: explain('must be an absolute http(s) URL', 'https://graph.microsoft.com/v1.0') })
  GRAPH_BASE_URL?: string;

  @IsOptional() @IntegerIn(0, 65535, 'must be an integer port number', '8001')
  EMULATOR_PORT?: string;

  @IsOptional() @Matches(/^[0-9a-f.:]+$|^localhost$/i, { message: explain('must be an IP address to bind', '127.0.0.1') })
  EMULATOR_HOST?: string;

  @IsOptional() @Matches(/^(true|false|\d+|[0-9a-z.:/, ]+)$/i, { message: explain('must be true, false, a hop count or a list of trusted addresses', 'loopback') })
  TRUST_PROXY?: string;

  @IsOptional() @IntegerIn(60, 86400, 'must be a whole number of seconds', '3600')
  ACCESS_TOKEN_TTL_SECONDS?: string;

  @IsOptional() @IntegerIn(1, 365, 'must be a whole number of days', '30')
  REFRESH_TOKEN_TTL_DAYS?: string;

  @IsOptional() @IntegerIn(1, 730, 'must be a whole number of days', '90')
  GRANT_MAX_LIFETIME_DAYS?: string;

  @IsOptional() @IntegerIn(0, 600, 'must be a whole number of seconds', '30')
  REFRESH_GRACE_SECONDS?: string;

  @IsOptional() @IntegerIn(1, 3650, 'must be a whole number of days', '90')
  CLIENT_REGISTRATION_TTL_DAYS?: string;

  @IsOptional() @IntegerIn(10, 86400, 'must be a whole number of seconds', '1800')
  MCP_SESSION_IDLE_SECONDS?: string;

  @IsOptional() @IntegerIn(1, 10000, 'must be a whole number of sessions', '20')
  MCP_MAX_SESSIONS_PER_GRANT?: string;

  @IsOptional() @IntegerIn(100, 600000, 'must be a whole number of milliseconds', '10000')
  HTTP_HEADERS_TIMEOUT_MS?: string;

  @IsOptional() @IntegerIn(100, 3600000, 'must be a whole number of milliseconds', '30000')
  HTTP_REQUEST_TIMEOUT_MS?: string;

  @IsOptional() @IntegerIn(100, 600000, 'must be a whole number of milliseconds', '65000')
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: string;

  @IsOptional() @IntegerIn(0, 1000000, 'must be a whole number of connections (0 = no limit)', '10000')
  HTTP_MAX_CONNECTIONS?: string;

  @IsOptional() @IsIn(['true', 'false'], { message: explain('must be true or false', 'false') })
  CIMD_ALLOW_LOOPBACK?: string;

  @IsOptional() @IntegerIn(1, Number.MAX_SAFE_INTEGER, 'must be a whole number of requests per minute', '20')
  RATE_LIMIT_REGISTER_PER_MINUTE?: string;

  @IsOptional() @IntegerIn(1, Number.MAX_SAFE_INTEGER, 'must be a whole number of requests per minute', '60')
  RATE_LIMIT_AUTHORIZE_PER_MINUTE?: string;

  @IsOptional() @IntegerIn(1, Number.MAX_SAFE_INTEGER, 'must be a whole number of requests per minute', '120')
  RATE_LIMIT_TOKEN_PER_MINUTE?: string;

  @IsOptional() @IntegerIn(1, Number.MAX_SAFE_INTEGER, 'must be a whole number of requests per minute', '60')
  RATE_LIMIT_REVOKE_PER_MINUTE?: string;

  @IsOptional() @IsIn(['log', 'store'], { message: explain('must be log (audit events in the log only) or store (also kept in the store, queryable)', 'store') })
  AUDIT_LOG?: string;

  @IsOptional() @IntegerIn(1, 3650, 'must be a whole number of days', '90')
  AUDIT_RETENTION_DAYS?: string;

  @IsOptional() @IntegerIn(1, 1440, 'must be a whole number of minutes', '15')
  ACCOUNT_SESSION_MINUTES?: string;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: explain('must be one of fatal, error, warn, info, debug, trace, silent', 'info') })
  LOG_LEVEL?: string;
}
