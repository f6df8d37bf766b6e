import { AuthorizationResponseError, ClientError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';

/**
 * Entra refused a request, or its answer failed validation. Carries Entra's
 * `error` and `error_description` (with the AADSTS code, e.g. `AADSTS70008: The
 * provided authorization code or refresh token has expired…`) and the HTTP
 * status when there was one. Never carries tokens, codes or response bodies.
 */
export class EntraError extends Error {
  constructor(
    /** OAuth error code from Entra (`invalid_grant`, `access_denied`, …) or, for a failed check here, `invalid_response`. */
    readonly error: string,
    readonly errorDescription?: string,
    readonly status?: number,
  ) {
    super(errorDescription ? `Entra ID: ${error}: ${errorDescription}` : `Entra ID: ${error}`);
    this.name = 'EntraError';
  }

  /** `AADSTS70008` etc., when the description starts with one. */
  get aadstsCode(): string | undefined {
    return /\bAADSTS\d+\b/.exec(this.errorDescription ?? '')?.[0];
  }
}

/** Entra could not be reached or answered 5xx / not at all: retry later; the user's grant is not at fault. */
export class EntraUnavailableError extends EntraError {
  constructor(description: string, status?: number) {
    super('temporarily_unavailable', description, status);
    this.name = 'EntraUnavailableError';
  }
}

/**
 * Maps whatever openid-client (or fetch) threw into EntraError, dropping the
 * original `cause` (which may hold response bodies or JWTs).
 */
export function toEntraError(error: unknown): EntraError {
  if (error instanceof EntraError) return error;
  const network = networkFailure(error);
  if (network) return new EntraUnavailableError(network);
  if (error instanceof ResponseBodyError) {
    return error.status >= 500
      ? new EntraUnavailableError(error.error_description ?? `Entra answered ${error.status} (${error.error})`, error.status)
      : new EntraError(error.error, error.error_description, error.status);
  }
  if (error instanceof AuthorizationResponseError) {
    return new EntraError(error.error, error.error_description);
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    const params = error.cause[0]?.parameters as Record<string, string | undefined> | undefined;
    return new EntraError(params?.error ?? 'invalid_client', params?.error_description, error.status);
  }
  if (error instanceof ClientError) {
    // Non-JSON or unexpected-status answers are outages (gateways, HTML error pages), not protocol errors.
    if (error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || error.code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
      return new EntraUnavailableError(`Entra gave an unexpected answer (${error.message})`);
    }
    return new EntraError('invalid_response', `${error.message}${error.code ? ` (${error.code})` : ''}`);
  }
  return new EntraError('server_error', 'Unexpected failure talking to Entra');
}

/**
 * A description when `error` (or its cause: openid-client may wrap it) is a
 * network failure: fetch() rejects with TypeError('fetch failed') on DNS,
 * connection and TLS failures, and with TimeoutError/AbortError on timeout.
 * Checked by name, since these errors may come from another realm (e.g. under Jest).
 */
function networkFailure(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 3; depth += 1) {
    const { name, message, cause } = current as { name?: unknown; message?: unknown; cause?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError') return 'Entra did not answer in time';
    if (name === 'TypeError' && message === 'fetch failed') {
      const code = (cause as { code?: unknown } | undefined)?.code;
      return `Entra could not be reached${typeof code === 'string' ? ` (${code})` : ''}`;
    }
    current = cause;
  }
  return undefined;
}
