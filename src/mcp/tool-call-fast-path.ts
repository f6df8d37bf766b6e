import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import {
  classifyInboundRequest,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
} from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { UserContext } from '../shared/user-context';
import { McpServerFactory, ToolCallOutcome } from './mcp-server.factory';
import { StreamableHttpService } from './streamable-http.service';
import { ToolCallService } from './tool-call.service';
import { ToolRegistry } from './tool-registry';

/** The one 2026-era revision the SDK serves, and the 2025-era revisions of its stateless fallback taken here (older ones go to the SDK). */
const MODERN_REVISION = '2026-07-28';
const LEGACY_REVISIONS: ReadonlySet<string> = new Set(['2025-11-25', '2025-06-18', '2025-03-26']);

/** The keys of the 2026-07-28 per-request `_meta` envelope (nothing else may ride along; clientInfo must be there). */
const ENVELOPE_KEYS: ReadonlySet<string> = new Set([PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY]);
const BODY_KEYS: ReadonlySet<string> = new Set(['jsonrpc', 'id', 'method', 'params']);
const PARAMS_KEYS: ReadonlySet<string> = new Set(['name', 'arguments', '_meta']);
const RESULT_KEYS: ReadonlySet<string> = new Set(['content', 'structuredContent', 'isError']);

/** The legacy stream's headers, as the SDK's Streamable HTTP transport sends them. */
const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** A `tools/call` the fast path serves: which era answers, and what to call. */
export interface FastToolCall {
  era: 'modern' | 'legacy';
  id: string | number;
  name: string;
  args: Record<string, unknown> | undefined;
}

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function hasOnlyKeys(value: PlainObject, allowed: ReadonlySet<string>): boolean {
  for (const key of Object.keys(value)) if (!allowed.has(key)) return false;
  return true;
}

function single(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' ? header : undefined;
}

/**
 * Whether `body` (with the request's `headers`) is a `tools/call` of a known tool whose handling by
 * the SDK is known in advance: a single, well-formed JSON-RPC request that the SDK's own classifier
 * (`classifyInboundRequest`) routes to the 2026-07-28 era with its standard headers exactly as the
 * body says (SEP-2243), or to the 2025 stateless fallback with a supported `MCP-Protocol-Version`
 * and an `Accept` the transport takes. Stricter than the SDK on purpose: anything unusual (extra
 * keys, `_meta` beyond the envelope such as a progress token, an encoded `Mcp-Name`,
 * a session id, an unknown tool) returns undefined and is served by the SDK's handler, which
 * answers it, or refuses it, with its own words.
 */
export function matchFastToolCall(headers: IncomingHttpHeaders, body: unknown, isTool: (name: string) => boolean): FastToolCall | undefined {
  if (!isPlainObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call' || !hasOnlyKeys(body, BODY_KEYS)) return undefined;
  const { id, params } = body;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return undefined;
  if (!isPlainObject(params) || !hasOnlyKeys(params, PARAMS_KEYS)) return undefined;
  const { name, arguments: args, _meta: meta } = params;
  if (typeof name !== 'string' || !isTool(name)) return undefined;
  if (args !== undefined && !isPlainObject(args)) return undefined;
  if (headers['mcp-session-id'] !== undefined || headers['last-event-id'] !== undefined) return undefined;
  const version = single(headers['mcp-protocol-version']);
  const method = single(headers['mcp-method']);
  const nameHeader = single(headers['mcp-name']);
  const route = classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader: version, mcpMethodHeader: method, mcpNameHeader: nameHeader, body });
  const call = { id: id as string | number, name, args: args as PlainObject | undefined };
  if (route.kind === 'modern') {
    if (route.messageKind !== 'request' || route.classification.revision !== MODERN_REVISION) return undefined;
    if (version !== MODERN_REVISION || method !== 'tools/call' || nameHeader !== name || name.startsWith('=?')) return undefined;
    if (!isPlainObject(meta) || !hasOnlyKeys(meta, ENVELOPE_KEYS) || !isPlainObject(meta[CLIENT_INFO_META_KEY])) return undefined;
    return { era: 'modern', ...call };
  }
  if (route.kind === 'legacy' && route.reason === 'no-claim') {
    if (meta !== undefined || method !== undefined || nameHeader !== undefined) return undefined;
    if (version === undefined || !LEGACY_REVISIONS.has(version)) return undefined;
    const accept = headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
    return { era: 'legacy', ...call };
  }
  return undefined;
}

/**
 * A result the SDK would send unchanged in both eras: text content, an optional plain object as
 * structured content, an optional `isError`, nothing else. (The SDK validates every tool result
 * and may reshape others: images, annotations, non-object structured content.)
 */
export function isPlainToolResult(result: CallToolResult): boolean {
  const value = result as unknown;
  if (!isPlainObject(value) || !hasOnlyKeys(value, RESULT_KEYS) || !Array.isArray(value.content)) return false;
  for (const block of value.content as unknown[]) {
    if (!isPlainObject(block) || block.type !== 'text' || typeof block.text !== 'string' || Object.keys(block).length !== 2) return false;
  }
  if (value.structuredContent !== undefined && !isPlainObject(value.structuredContent)) return false;
  return value.isError === undefined || typeof value.isError === 'boolean';
}

/**
 * Serves the hot request, `tools/call`, without the SDK's per-request machinery: no MCP `Server`,
 * no web `Request`/`Response`/`AbortSignal`, no stream. The tool still runs through ToolCallService
 * (input validation, Nest's guards and interceptors, the tool call's log line), and the answer is the
 * SDK's, byte for byte where it matters: the 2026-07-28 result stamped with `resultType` and the
 * server's identity in `_meta`, or the 2025 result as one `message` event on an event stream.
 *
 * Only what `matchFastToolCall` recognises comes here, and only a plain result (see
 * `isPlainToolResult`) is encoded here. Any other outcome — a richer result, or a call that threw —
 * is handed, already computed, to the SDK's handler to encode (the tool is never run twice).
 * `test/mcp-fast-path.e2e-spec.ts` compares every answer with the SDK's own.
 */
@Injectable()
export class ToolCallFastPath {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly toolCalls: ToolCallService,
    private readonly servers: McpServerFactory,
    private readonly streamableHttp: StreamableHttpService,
  ) {}

  match(headers: IncomingHttpHeaders, body: unknown): FastToolCall | undefined {
    return matchFastToolCall(headers, body, this.isTool);
  }

  private readonly isTool = (name: string): boolean => this.registry.get(name) !== undefined;

  /** Runs the call and answers it (`body`: the parsed request, for the SDK when it encodes the answer). */
  async serve(call: FastToolCall, req: IncomingMessage, res: ServerResponse, user: UserContext, body: unknown): Promise<void> {
    // The client leaving cancels the tool, as the SDK does; nobody is answered then.
    const abort = new AbortController();
    const cancel = (): void => abort.abort();
    res.once('close', cancel);
    let outcome: ToolCallOutcome;
    try {
      outcome = { result: await this.toolCalls.call(call.name, call.args, user, abort.signal) };
    } catch (error) {
      outcome = { error };
    }
    res.off('close', cancel);
    if (abort.signal.aborted) return;
    if (!('result' in outcome) || !isPlainToolResult(outcome.result)) {
      await this.streamableHttp.serve(req, res, user, body, outcome);
      return;
    }
    if (call.era === 'modern') {
      const result = { ...outcome.result, resultType: 'complete', _meta: { [SERVER_INFO_META_KEY]: this.servers.serverInfo } };
      const data = JSON.stringify({ result, jsonrpc: '2.0', id: call.id });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }).end(data);
      return;
    }
    const data = `event: message\ndata: ${JSON.stringify({ result: outcome.result, jsonrpc: '2.0', id: call.id })}\n\n`;
    // A string, not a Buffer: Node then sends the head and the body in one write.
    res.writeHead(200, { ...EVENT_STREAM_HEADERS, 'content-length': Buffer.byteLength(data) }).end(data);
  }
}
