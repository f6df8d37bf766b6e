import type { McpHttpHandler } from '@modelcontextprotocol/server';

/** JSON-RPC code of the 2026-07-28 "headers and body disagree" error (SEP-2243). */
export const HEADER_MISMATCH_CODE = -32020;

/** Our sentence for it: it names the rule, never the values that broke it. */
export const HEADER_MISMATCH_MESSAGE = 'Bad Request: the Mcp-Method or Mcp-Name header does not match the request body.';

interface JsonRpcError {
  jsonrpc?: string;
  id?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

/**
 * The SDK's header/body mismatch error quotes both values, so whatever a caller puts in a
 * header or a method name comes back in the answer. Error answers never quote the request
 * (a fuzzed header must not come back in a page or a log viewer): keep the code and status, replace
 * the message, and drop the quoted pair from `data`.
 */
export async function withoutQuotedInput(response: Response): Promise<Response> {
  if (response.status !== 400 || !(response.headers.get('content-type') ?? '').startsWith('application/json')) return response;
  const text = await response.text();
  let body: JsonRpcError;
  try {
    body = JSON.parse(text) as JsonRpcError;
  } catch {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  if (body.error?.code !== HEADER_MISMATCH_CODE) return new Response(text, { status: response.status, headers: response.headers });
  const scrubbed = { jsonrpc: body.jsonrpc ?? '2.0', id: body.id ?? null, error: { code: HEADER_MISMATCH_CODE, message: HEADER_MISMATCH_MESSAGE } };
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(scrubbed), { status: 400, headers });
}

/** The SDK handler, with its error answers passed through {@link withoutQuotedInput}. */
export function scrubbingQuotedInput(handler: McpHttpHandler): McpHttpHandler {
  return {
    fetch: async (request, options) => withoutQuotedInput(await handler.fetch(request, options)),
    close: () => handler.close(),
    notify: handler.notify,
    bus: handler.bus,
  };
}
