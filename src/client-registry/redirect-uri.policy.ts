import { isLoopbackHost } from '../config/loopback';

/** Longest redirect URI accepted at registration. */
export const MAX_REDIRECT_URI_LENGTH = 2000;

/**
 * Registration policy for redirect URIs (DESIGN.md "Redirect URIs", OAuth 2.1 §2.3.1,
 * RFC 8252 §7.3, RFC 6749 §3.1.2). Returns why the URI is refused, or null if allowed:
 * absolute `https`, or `http` on a loopback host; no fragment (RFC 6749 §3.1.2); no
 * credentials in the authority; `javascript:`, `data:` and every other scheme refused.
 */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH) return `must be between 1 and ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (/[\s\u0000-\u001f\u007f\\]/.test(uri)) return 'must not contain whitespace, control characters or backslashes';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (uri.includes('#')) return 'must not contain a fragment';
  if (url.username !== '' || url.password !== '') return 'must not contain user credentials';
  if (url.protocol === 'https:') return url.hostname === '' ? 'must name a host' : null;
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? null : 'must use https (http is only allowed on localhost, 127.0.0.1 or [::1])';
  return 'must use https (or http on a loopback host)';
}
