import { z } from 'zod';

/**
 * What `POST /messages` accepts, checked before the message reaches the HTTP+SSE transport:
 * the SDK transport answers its own errors in plain text without a content type, quoting
 * the input (`Invalid message: <body>`) or naming internal errors (`TypeError: …`). Here
 * every refusal is a fixed sentence, written by the caller as a JSON-RPC error.
 */
export interface SseMessageProblem {
  status: 400 | 415;
  /** JSON-RPC 2.0 §5.1: -32600 Invalid Request. */
  code: number;
  message: string;
}

/** The JSON-RPC 2.0 message shapes of MCP 2024-11-05 (one message per POST, no batches), as strict as the SDK's own schema. */
const requestId = z.union([z.string(), z.number().int()]);
const meta = z.looseObject({
  progressToken: z.union([z.string(), z.number().int()]).optional(),
  'io.modelcontextprotocol/related-task': z.object({ taskId: z.string() }).optional(),
});
const params = z.looseObject({ _meta: meta.optional() });
const jsonRpcMessage = z.union([
  z.strictObject({ jsonrpc: z.literal('2.0'), id: requestId, method: z.string(), params: params.optional() }),
  z.strictObject({ jsonrpc: z.literal('2.0'), method: z.string(), params: params.optional() }),
  z.strictObject({ jsonrpc: z.literal('2.0'), id: requestId, result: params }),
  z.strictObject({
    jsonrpc: z.literal('2.0'),
    id: requestId.optional(),
    error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
  }),
]);

/** The media type of a Content-Type header, lower-cased, without parameters ('' when absent). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Why this `POST /messages` cannot be handed to the transport, or undefined when it can.
 * `body` is what the JSON body parser made of the request (undefined for other media types).
 */
export function sseMessageProblem(contentType: string | undefined, body: unknown): SseMessageProblem | undefined {
  if (mediaType(contentType) !== 'application/json') {
    return { status: 415, code: -32600, message: 'Unsupported Media Type: POST /messages takes Content-Type: application/json.' };
  }
  if (!jsonRpcMessage.safeParse(body).success) {
    return { status: 400, code: -32600, message: 'Invalid Request: the body is not a single JSON-RPC 2.0 message.' };
  }
  return undefined;
}
