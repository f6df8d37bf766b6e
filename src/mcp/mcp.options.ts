/** Tunables of the MCP transports that are not deployment settings (tests shorten them). */
export interface McpOptions {
  /** SSE comment lines (`: keepalive`) so proxies don't cut idle streams. */
  keepAliveMs: number;
  /** Beyond this many open sessions for one grant, the least recently used one is closed. */
  maxSessionsPerGrant: number;
}

export const DEFAULT_MCP_OPTIONS: McpOptions = {
  keepAliveMs: 25_000,
  maxSessionsPerGrant: 20,
};

/** DI token; McpModule provides DEFAULT_MCP_OPTIONS. */
export const MCP_OPTIONS = Symbol('MCP_OPTIONS');
