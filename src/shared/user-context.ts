/** The signed-in user and the grant behind an MCP request, as this server sees it. */
export interface UserContext {
  /** Entra object id of the user. */
  oid: string;
  /** Entra tenant id. */
  tid: string;
  /** Display name from the id_token. */
  name: string;
  preferredUsername: string;
  /** The MCP client (this server's client id) the grant was issued to. */
  clientId: string;
  /** Scopes granted to the client (`mcp:tools`, `user.read`). */
  scopes: string[];
  grantId: string;
  /** Entra app roles of the user (id_token `roles`, kept with the grant and refreshed with it). */
  roles: string[];
  /** Entra security group object ids of the user (id_token `groups`). */
  groups: string[];
}


/**
 * Direct mode: the caller's own Entra access token rides on its UserContext under this symbol,
 * as a non-enumerable property, so that it is never serialized (logs, the SSE relay's messages,
 * tool results) and is read only by the On-Behalf-Of exchange. It is never sent to Graph.
 */
export const ENTRA_ASSERTION = Symbol('entraAssertion');

/** Attaches the caller's Entra token (direct mode) to a context without making it enumerable. */
export function withEntraAssertion(user: UserContext, assertion: string): UserContext {
  Object.defineProperty(user, ENTRA_ASSERTION, { value: assertion, enumerable: false });
  return user;
}

/** The caller's Entra token when the context came from an Entra-issued token (direct mode). */
export function entraAssertionOf(user: UserContext): string | undefined {
  return (user as unknown as Record<symbol, string | undefined>)[ENTRA_ASSERTION];
}

/** Grant handles of Entra-issued tokens: there is no grant here, Entra owns their lifetime. */
export const DIRECT_GRANT_PREFIX = 'entra-direct:';

export function isDirectGrantId(grantId: string): boolean {
  return grantId.startsWith(DIRECT_GRANT_PREFIX);
}
