/** Scopes this server offers to MCP clients (DESIGN.md: Scopes). */
export const SCOPES = {
  tools: 'mcp:tools',
  userRead: 'user.read',
} as const;
export const SUPPORTED_SCOPES: readonly string[] = [SCOPES.tools, SCOPES.userRead];
