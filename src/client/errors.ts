import { ExitCode } from './exit-codes';

/**
 * An error the user should read: one sentence, an exit code, and the cause kept
 * for `--debug` (never printed otherwise).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
    this.name = 'UsageError';
  }
}

export class AuthFailedError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.AuthFailed, options);
    this.name = 'AuthFailedError';
  }
}

export class UnreachableError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Unreachable, options);
    this.name = 'UnreachableError';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The system error code (`ECONNREFUSED`…) behind a failed `fetch`, searching the cause chain. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Explains an unreachable server in words, e.g. "connection refused". */
export function describeNetworkCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    default:
      return 'network error';
  }
}

/** Wraps a failed request to `url` as an {@link UnreachableError} when it is a network failure. */
export function unreachable(url: string | URL, error: unknown): UnreachableError | undefined {
  const origin = new URL(url).origin;
  const code = networkErrorCode(error);
  if (code) {
    return new UnreachableError(`Cannot reach the MCP server at ${origin} (${describeNetworkCode(code)}): is it running?`, {
      cause: error,
    });
  }
  // undici's fetch fails with TypeError("fetch failed") and the reason as its cause.
  // (Checked by shape: the TypeError may come from another realm, e.g. under Jest.)
  const failed = error as { name?: unknown; message?: unknown; cause?: { message?: unknown } } | undefined;
  if (failed?.name === 'TypeError' && failed.message === 'fetch failed') {
    const reason = typeof failed.cause?.message === 'string' ? failed.cause.message : 'network error';
    return new UnreachableError(`Cannot reach the MCP server at ${origin} (${reason}).`, { cause: error });
  }
  return undefined;
}
