/**
 * Whether a grant is still alive: activated, not revoked (POST /revoke, refresh-token reuse,
 * code replay, Entra refusing the refresh) and not past GRANT_MAX_LIFETIME_DAYS. Implemented by
 * the OAuth module over the shared store, so a revocation on any instance is seen by all; the
 * MCP session registry uses it to close the open sessions of an ended grant.
 */
export abstract class GrantLiveness {
  /** One store read. Rejects (StoreUnavailableError) when the store cannot answer: unknown is not "ended". */
  abstract isActive(grantId: string): Promise<boolean>;
}
