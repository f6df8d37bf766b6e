import { isLoopbackHost } from '../config/loopback';

/** Longest client id URL accepted (the document URL is also the client id in every token record). */
export const MAX_CLIENT_ID_URL_LENGTH = 1000;

/**
 * Whether a `client_id` names a Client ID Metadata Document: registered clients get UUIDs, so a
 * client id that looks like an http(s) URL can only be a document URL (valid or not).
 */
export function isMetadataDocumentClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

/**
 * The host (with its port, if any) serving the metadata document a client id names, or undefined
 * for a registered client. Pure: pages that list many clients (grants, audit) show it without
 * fetching any document.
 */
export function metadataDocumentHost(clientId: string): string | undefined {
  if (!isMetadataDocumentClientId(clientId)) return undefined;
  try {
    return new URL(clientId).host;
  } catch {
    return undefined;
  }
}

/**
 * draft-ietf-oauth-client-id-metadata-document §3 (client identifier): an `https` URL with a
 * path, no fragment, no user credentials, no `.` or `..` path segments. `http` is allowed only
 * on a loopback host and only when `allowLoopback` (CIMD_ALLOW_LOOPBACK, never in production).
 * Returns why the URL cannot be a client id, or null.
 */
export function clientIdUrlProblem(clientId: string, allowLoopback: boolean): string | null {
  if (clientId.length > MAX_CLIENT_ID_URL_LENGTH) return `its client_id URL is longer than ${MAX_CLIENT_ID_URL_LENGTH} characters`;
  if (/[\s\u0000-\u001f\u007f\\]/.test(clientId)) return 'its client_id URL contains whitespace, control characters or backslashes';
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return 'its client_id is not a valid URL';
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && allowLoopback)) return 'its client_id URL does not use https';
  if (clientId.includes('#')) return 'its client_id URL contains a fragment';
  if (url.username !== '' || url.password !== '') return 'its client_id URL contains user credentials';
  // Checked on the raw string: the URL parser would silently resolve the dot segments away.
  const rawPath = clientId.replace(/^[a-z]+:\/\/[^/?#]*/i, '').split(/[?#]/)[0] ?? '';
  if (rawPath === '' || rawPath === '/') return 'its client_id URL has no path (the document must be at a path such as /client-metadata.json)';
  if (rawPath.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) return 'its client_id URL contains dot segments (. or ..) in its path';
  return null;
}
