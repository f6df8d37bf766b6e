/**
 * Builds the redirect to a client's (already validated) redirect URI: keeps the URI's own
 * query (RFC 6749 §3.1.2), adds the response parameters, the client's `state` unchanged
 * (§4.1.2) and this server's `iss` (RFC 9207 §2: mix-up attack defence).
 */
export function buildAuthorizationResponse(
  redirectUri: string,
  issuer: string,
  state: string | undefined,
  params: Record<string, string>,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) url.searchParams.append(name, value);
  if (state !== undefined) url.searchParams.append('state', state);
  url.searchParams.append('iss', issuer);
  return url.toString();
}
