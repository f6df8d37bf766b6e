import type { PresentedClientCredentials } from '../../client-registry/client-registry.service';
import { OAuthError, OAuthErrorCode } from '../../shared/oauth-errors';

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="token", charset="UTF-8"' };

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/**
 * Reads how the client authenticates at `/token` or `/revoke` (RFC 6749 §2.3.1): HTTP Basic,
 * `client_id` + `client_secret` in the body, or `client_id` alone (public client, RFC 6749 §2.3
 * forbids using more than one method at once).
 */
export function readClientCredentials(authorization: string | undefined, body: Record<string, unknown>): PresentedClientCredentials {
  const bodyId = body.client_id;
  const bodySecret = body.client_secret;
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    let clientId = '';
    let clientSecret = '';
    try {
      clientId = colon > 0 ? formDecode(decoded.slice(0, colon)) : '';
      clientSecret = colon > 0 ? formDecode(decoded.slice(colon + 1)) : '';
    } catch {
      clientId = '';
    }
    if (!clientId) throw new OAuthError(OAuthErrorCode.InvalidClient, 'Client authentication failed.', { headers: BASIC_CHALLENGE });
    if (bodySecret !== undefined) {
      throw new OAuthError(OAuthErrorCode.InvalidRequest, 'Use only one client authentication method.');
    }
    if (bodyId !== undefined && bodyId !== clientId) {
      throw new OAuthError(OAuthErrorCode.InvalidClient, 'Client authentication failed.', { headers: BASIC_CHALLENGE });
    }
    return { clientId, clientSecret, method: 'client_secret_basic' };
  }
  if (typeof bodyId !== 'string' || bodyId.length === 0) {
    throw new OAuthError(OAuthErrorCode.InvalidClient, 'Client authentication failed: client_id is required.');
  }
  if (bodySecret !== undefined) {
    if (typeof bodySecret !== 'string') throw new OAuthError(OAuthErrorCode.InvalidRequest, 'client_secret must be given once.');
    return { clientId: bodyId, clientSecret: bodySecret, method: 'client_secret_post' };
  }
  return { clientId: bodyId, method: 'none' };
}
