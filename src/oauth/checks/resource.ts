/**
 * RFC 8707 §2 + DESIGN.md "Resource": a `resource` names this server when, without a
 * trailing slash, it equals the server origin, or that origin + `/mcp` or `/sse`.
 * Fragments are forbidden by RFC 8707 §2. All forms bind the token to the server as a
 * whole, recorded as the canonical `${origin}/`.
 */
export function isThisServerResource(resource: string, serverOrigin: string): boolean {
  if (resource.includes('#')) return false;
  const trimmed = resource.endsWith('/') ? resource.slice(0, -1) : resource;
  return trimmed === serverOrigin || trimmed === `${serverOrigin}/mcp` || trimmed === `${serverOrigin}/sse`;
}

/** The resource identifier tokens are bound to (also the PRM `resource`): the origin with a trailing slash. */
export function canonicalResource(serverOrigin: string): string {
  return `${serverOrigin}/`;
}
