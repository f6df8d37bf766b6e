import { SCOPES } from '../shared/scopes';

/** Every MCP request needs `mcp:tools` ("use this server's tools as you", DESIGN.md: Scopes). */
export const MCP_ENDPOINT_SCOPES: readonly string[] = [SCOPES.tools];

/** The scopes in `required` that `granted` lacks, in the order required lists them. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !granted.includes(scope));
}

/**
 * Names of the tools that a JSON-RPC message (or batch) calls with `tools/call`.
 * Used to answer 403 `insufficient_scope` on the HTTP request itself, before the
 * message reaches the transport (on SSE, POST /messages would otherwise say 202 first).
 */
export function toolCallNames(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  const names: string[] = [];
  for (const message of messages) {
    if (!message || typeof message !== 'object') continue;
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    if (method === 'tools/call' && params && typeof params === 'object' && typeof params.name === 'string') {
      names.push(params.name);
    }
  }
  return names;
}
