/** RFC 9728 §3: where this server's protected resource metadata lives (root document only, DESIGN.md). */
export function protectedResourceMetadataUrl(serverOrigin: string): string {
  return `${serverOrigin}/.well-known/oauth-protected-resource`;
}

export interface BearerChallenge {
  /** RFC 9728 §5.1: lets the client discover the authorization server. */
  resourceMetadata: string;
  /** RFC 6750 §3: the scope needed for this resource (space separated). */
  scope: readonly string[];
  /** RFC 6750 §3.1: only when a token was sent (`invalid_token`) or lacks scope (`insufficient_scope`). */
  error?: 'invalid_token' | 'insufficient_scope';
  errorDescription?: string;
}

/** A quoted-string (RFC 9110 §5.6.4). */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The `WWW-Authenticate` value of a 401/403 on the MCP endpoints (MCP Authorization,
 * "Protected Resource Metadata Discovery"; RFC 6750 §3). Without an error it is
 * exactly `Bearer resource_metadata="…", scope="…"`.
 */
export function bearerChallenge(challenge: BearerChallenge): string {
  const params = [`resource_metadata=${quoted(challenge.resourceMetadata)}`, `scope=${quoted(challenge.scope.join(' '))}`];
  if (challenge.error) params.push(`error=${quoted(challenge.error)}`);
  if (challenge.errorDescription) params.push(`error_description=${quoted(challenge.errorDescription)}`);
  return `Bearer ${params.join(', ')}`;
}
