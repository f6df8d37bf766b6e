import { DEFAULT_STATUS, OAuthErrorCode } from './oauth-error-code';

export interface OAuthErrorOptions {
  status?: number;
  /** Extra response headers, e.g. `WWW-Authenticate` for `invalid_client` with Basic auth. */
  headers?: Record<string, string>;
  /**
   * For the server log only, never sent: what a developer needs to fix the request (e.g. the
   * registered and the received redirect URI). No secrets.
   */
  logDetail?: string;
}

/**
 * An error this server answers with an OAuth error response. `description` is one
 * readable sentence for people; it never contains tokens, secrets or user input
 * that could be reflected into a page.
 */
export class OAuthError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly logDetail?: string;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.headers = options.headers ?? {};
    this.logDetail = options.logDetail;
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/**
 * An authorization-endpoint error that happened after the client and its exact
 * redirect URI were validated: it is sent to the client's redirect URI with the
 * client's `state` and our `iss` (RFC 6749 §4.1.2.1, RFC 9207), never shown as a page.
 */
export class RedirectableOAuthError extends OAuthError {
  constructor(
    code: OAuthErrorCode,
    description: string,
    readonly redirectUri: string,
    readonly state: string | undefined,
    /** This server's issuer, sent as `iss` (RFC 9207). */
    readonly issuer: string,
  ) {
    super(code, description, { status: 302 });
    this.name = 'RedirectableOAuthError';
  }
}
