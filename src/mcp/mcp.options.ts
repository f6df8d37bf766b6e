/** Tunables of the MCP transports that are not deployment settings (tests shorten them). */
export interface McpOptions {
  /** SSE comment lines (`: keepalive`) so proxies don't cut idle streams. */
  keepAliveMs: number;
  /** Beyond this many open sessions for one grant, the least recently used one is closed. */
  maxSessionsPerGrant: number;
  /**
   * How often open sessions' grants are re-checked (one store read per grant), so a grant
   * revoked on any instance closes its sessions within this time, not at the idle timeout.
   * The session sweep runs at the shorter of this and its idle-expiry interval.
   */
  grantCheckMs: number;
}

export const DEFAULT_MCP_OPTIONS: McpOptions = {
  keepAliveMs: 25_000,
  maxSessionsPerGrant: 20,
  grantCheckMs: 20_000,
};

/** DI token; McpModule provides DEFAULT_MCP_OPTIONS. */
export const MCP_OPTIONS = Symbol('MCP_OPTIONS');
