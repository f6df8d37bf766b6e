/**
 * The OAuth error codes this server answers with, each with the meaning its RFC gives it.
 * One list for every endpoint, so clients see the same words for the same problems.
 */
export enum OAuthErrorCode {
  /** RFC 6749 §4.1.2.1, §5.2: a parameter is missing, repeated, malformed or unsupported. */
  InvalidRequest = 'invalid_request',
  /** RFC 6749 §5.2: client authentication failed (unknown client, wrong secret, wrong method); 401. */
  InvalidClient = 'invalid_client',
  /** RFC 6749 §5.2: the code or refresh token is invalid, expired, revoked, or bound to someone else. */
  InvalidGrant = 'invalid_grant',
  /** RFC 6749 §4.1.2.1, §5.2: this client may not use this grant or response type. */
  UnauthorizedClient = 'unauthorized_client',
  /** RFC 6749 §5.2: the grant type is not supported by this server. */
  UnsupportedGrantType = 'unsupported_grant_type',
  /** RFC 6749 §4.1.2.1: only `response_type=code` is supported. */
  UnsupportedResponseType = 'unsupported_response_type',
  /** RFC 6749 §4.1.2.1, §5.2: a requested scope is unknown. */
  InvalidScope = 'invalid_scope',
  /** RFC 6749 §4.1.2.1: the user (or Entra on the user's behalf) refused the request. */
  AccessDenied = 'access_denied',
  /** RFC 6749 §4.1.2.1: something unexpected happened; never carries details. */
  ServerError = 'server_error',
  /** RFC 6749 §4.1.2.1: the server cannot handle the request right now (store unreachable). */
  TemporarilyUnavailable = 'temporarily_unavailable',
  /** RFC 8707 §2: the `resource` is not this server. */
  InvalidTarget = 'invalid_target',
  /** RFC 7591 §3.2.2: a redirect URI breaks the registration policy. */
  InvalidRedirectUri = 'invalid_redirect_uri',
  /** RFC 7591 §3.2.2: some other client metadata field is invalid. */
  InvalidClientMetadata = 'invalid_client_metadata',
  /** Rate limit exceeded (429), the code the MCP SDK's handlers use as well. */
  TooManyRequests = 'too_many_requests',
}

/** The HTTP status each code is answered with, unless an error says otherwise. */
export const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  [OAuthErrorCode.InvalidRequest]: 400,
  [OAuthErrorCode.InvalidClient]: 401,
  [OAuthErrorCode.InvalidGrant]: 400,
  [OAuthErrorCode.UnauthorizedClient]: 400,
  [OAuthErrorCode.UnsupportedGrantType]: 400,
  [OAuthErrorCode.UnsupportedResponseType]: 400,
  [OAuthErrorCode.InvalidScope]: 400,
  [OAuthErrorCode.AccessDenied]: 403,
  [OAuthErrorCode.ServerError]: 500,
  [OAuthErrorCode.TemporarilyUnavailable]: 503,
  [OAuthErrorCode.InvalidTarget]: 400,
  [OAuthErrorCode.InvalidRedirectUri]: 400,
  [OAuthErrorCode.InvalidClientMetadata]: 400,
  [OAuthErrorCode.TooManyRequests]: 429,
};
