import type { Response } from 'express';
import { STYLE_HASH } from './html';

/**
 * Headers for every HTML page of the authorization flow.
 * - `frame-ancestors 'none'` + `X-Frame-Options: DENY`: no clickjacking of the Allow button
 *   (MCP security best practices: consent UI must not be framed).
 * - `form-action`: the consent form posts to this server, which answers with a redirect to
 *   Entra or to the client; Chrome applies `form-action` to those redirects as well, so
 *   their origins must be listed (helmet's default `'self'` would block them).
 * - `no-store`: pages carry one-time CSRF tokens and must not be cached.
 */
export function pageSecurityHeaders(formActionOrigins: readonly string[] = []): Record<string, string> {
  const formAction = formActionOrigins.length === 0 ? "'none'" : ["'self'", ...new Set(formActionOrigins)].join(' ');
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      `style-src ${STYLE_HASH}`,
      "img-src 'self' data:",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    // Not no-referrer: browsers then send `Origin: null` with the form POST, which the origin check refuses.
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
  };
}

/** Sends a complete HTML page with the page security headers. */
export function sendPage(res: Response, status: number, page: string, formActionOrigins: readonly string[] = []): void {
  res.status(status).set(pageSecurityHeaders(formActionOrigins)).type('html').send(page);
}
