/** Tunables of the MCP transports that are not deployment settings (tests shorten them). */
export interface McpOptions {
  /** SSE comment lines (`: keepalive`) so proxies don't cut idle streams. */
  keepAliveMs: number;
  /**
   * HTTP+SSE across instances: how long the store keeps the record naming the instance that
   * holds a stream; the holder refreshes it every third of this. When an instance dies
   * without closing its streams, their records are gone after at most this long.
   */
  sseOwnershipTtlMs: number;
  /** How long a `POST /messages` relayed to another instance waits for it to take the message (then 503). */
  sseDeliveryTimeoutMs: number;
  /**
   * How often open sessions' grants are re-checked (one store read per grant), so a grant
   * revoked on any instance closes its sessions within this time, not at the idle timeout.
   * The session sweep runs at the shorter of this and its idle-expiry interval.
   */
  grantCheckMs: number;
}

export const DEFAULT_MCP_OPTIONS: McpOptions = {
  keepAliveMs: 25_000,
  sseOwnershipTtlMs: 30_000,
  sseDeliveryTimeoutMs: 3_000,
  grantCheckMs: 20_000,
};

/** DI token; McpModule provides DEFAULT_MCP_OPTIONS. */
export const MCP_OPTIONS = Symbol('MCP_OPTIONS');
