import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { redactUrl } from '../../logging/redact';
import { renderErrorPage } from '../pages/html';
import { sendPage } from '../pages/page-headers';
import { STORE_RETRY_AFTER_SECONDS } from '../../store/store-unavailable.filter';
import { StoreUnavailableError } from '../../store/store.port';
import { buildAuthorizationResponse } from './authorization-response';
import { OAuthErrorCode } from './oauth-error-code';
import { OAuthError, RedirectableOAuthError } from './oauth.error';

/** How errors of a controller reach the other side: JSON for clients, a page for people. */
export type ErrorAudience = 'client' | 'browser';

const PAGE_TITLES: Partial<Record<OAuthErrorCode, string>> = {
  [OAuthErrorCode.AccessDenied]: 'Access denied',
  [OAuthErrorCode.TemporarilyUnavailable]: 'Temporarily unavailable',
  [OAuthErrorCode.ServerError]: 'Something went wrong',
  [OAuthErrorCode.TooManyRequests]: 'Too many requests',
};

/**
 * The one exception filter of the OAuth endpoints (STYLE.md §3).
 * - `OAuthError` → JSON `{error, error_description}` (client endpoints) or an HTML
 *   page (browser endpoints), with `no-store` and the error's own headers.
 * - `RedirectableOAuthError` → 302 to the client's validated redirect URI with
 *   `error`, `error_description`, `state`, `iss` (RFC 6749 §4.1.2.1, RFC 9207).
 * - `StoreUnavailableError` → 503 `temporarily_unavailable`.
 * - anything else → 500 `server_error` without details (logged here, server-side).
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private static readonly logger = new Logger(OAuthExceptionFilter.name);

  constructor(private readonly audience: ErrorAudience) {}

  /** For JSON endpoints (`/token`, `/revoke`, `/register`, metadata). */
  static forClients(): OAuthExceptionFilter {
    return new OAuthExceptionFilter('client');
  }

  /** For pages (`/authorize`, `/auth/*`). */
  static forBrowsers(): OAuthExceptionFilter {
    return new OAuthExceptionFilter('browser');
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const error = this.toOAuthError(exception);
    this.logExpected(host.switchToHttp().getRequest<Request>(), error);

    if (error instanceof RedirectableOAuthError) {
      const location = buildAuthorizationResponse(error.redirectUri, error.issuer, error.state, {
        error: error.code,
        error_description: error.description,
      });
      res.status(302).set({ 'Cache-Control': 'no-store', Location: location }).end();
      return;
    }
    if (this.audience === 'browser') {
      const title = PAGE_TITLES[error.code] ?? 'This sign-in request cannot continue';
      res.set(error.headers);
      sendPage(res, error.status, renderErrorPage(title, error.description));
      return;
    }
    res
      .status(error.status)
      .set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', ...error.headers })
      .json(error.toJSON());
  }

  /**
   * An OAuth error is an expected condition, not a bug: one line with its reason, no stack
   * (warn when the log has a detail for the developer, info otherwise); 5xx are logged where
   * they are caught.
   */
  private logExpected(req: Request, error: OAuthError): void {
    if (error.status >= 500) return;
    const line = `${req.method} ${redactUrl(req.path)}: ${error.code} (${error.description})${error.logDetail ? `; ${error.logDetail}` : ''}`;
    if (error.logDetail) OAuthExceptionFilter.logger.warn(line);
    else OAuthExceptionFilter.logger.log(line);
  }

  private toOAuthError(exception: unknown): OAuthError {
    if (exception instanceof OAuthError) return exception;
    if (exception instanceof StoreUnavailableError) {
      OAuthExceptionFilter.logger.error(`Store unavailable: ${exception.message}`);
      return new OAuthError(OAuthErrorCode.TemporarilyUnavailable, 'The service is temporarily unavailable; please try again shortly.', {
        headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
      });
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      // Framework errors (malformed body, payload too large): the request was bad; keep details out.
      return new OAuthError(OAuthErrorCode.InvalidRequest, 'The request could not be read.', { status: exception.getStatus() });
    }
    OAuthExceptionFilter.logger.error(
      exception instanceof Error ? `${exception.name}: ${exception.message}` : 'Unexpected non-error exception',
      exception instanceof Error ? exception.stack : undefined,
    );
    return new OAuthError(OAuthErrorCode.ServerError, 'The server encountered an unexpected error.');
  }
}
