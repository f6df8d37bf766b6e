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

