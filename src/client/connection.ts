import {
  Client as ModernClient,
  SdkHttpError,
  StreamableHTTPClientTransport as ModernStreamableHTTPClientTransport,
  type Transport as ModernTransport,
  UnauthorizedError as ModernUnauthorizedError,
} from '@modelcontextprotocol/client';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ElicitRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { authFailure, sentence } from './auth-errors';
import { CLIENT_ID_NAME, CLIENT_VERSION } from './client-info';
import { answerElicitation } from './elicitation';
import { AuthFailedError, CliError, unreachable, UnreachableError } from './errors';
import type { Reporter } from './output';
import { SessionContext, transportLabel } from './session-context';

/** What the console client asks of a connected MCP client, on either SDK line. */
export interface McpClient {
  listTools(params?: { cursor?: string }): Promise<{ tools: Tool[]; nextCursor?: string }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<CallToolResult>;
}

export interface Connection {
  client: McpClient;
  /** The MCP revision negotiated with the server. */
  protocolVersion: string;
  close(): Promise<void>;
}

/** True for the SDKs' "you must sign in (again)" signals. */
export function needsSignIn(error: unknown): boolean {
  return error instanceof UnauthorizedError || error instanceof ModernUnauthorizedError;
}

/**
 * Makes sure usable tokens are stored: refreshes an expired access token
 * (the SDK's `auth()` uses the refresh token), and reports whether a browser
 * sign-in is needed instead.
 */
export async function ensureFreshTokens(ctx: SessionContext): Promise<'ready' | 'sign-in'> {
  const { provider, endpoint, reporter } = ctx;
  if (!provider.hasStoredSignIn()) return 'sign-in';
  if (!provider.accessTokenExpired()) return 'ready';
  reporter.step('The access token has expired; refreshing it...');
  try {
    const result = await auth(provider, { serverUrl: endpoint });
    if (result === 'AUTHORIZED') return 'ready';
    reporter.warn('The server refused the refresh token; a browser sign-in is needed.');
    return 'sign-in';
  } catch (error) {
    throw authFailure('Refreshing the access token', endpoint, error);
  }
}

/**
 * Connects with the stored tokens over the chosen transport and revision: MCP 2026-07-28 with
 * the SDK v2 client (`server/discover`, then stateless requests), MCP 2025-11-25 over Streamable
 * HTTP or HTTP+SSE with the SDK v1 client (`initialize`). Says which revision was negotiated.
 */
export async function openConnection(ctx: SessionContext, fetchFn?: typeof fetch): Promise<Connection> {
  const { endpoint, options, reporter } = ctx;
  reporter.step(`Connecting to ${endpoint.href} (${transportLabel(options.transport, options.protocol)})...`);
  const connection = options.transport === 'http' && options.protocol === '2026-07-28' ? await openModern(ctx, fetchFn) : await openLegacy(ctx, fetchFn);
  reporter.success(`Connected${connection.server ? ` to ${connection.server}` : ''}; MCP protocol revision ${connection.protocolVersion}.`);
  return connection;
}

/** The console client's elicitation capability: form mode, the SDK filling in the form's defaults (SEP-1034). */
const ELICITATION = { form: { applyDefaults: true } };

/**
 * The SDK v2 client for MCP 2026-07-28. A server there asks for input during a call by answering
 * `input_required` (SEP-2322, multi-round-trip requests): the SDK fulfils the embedded
 * `elicitation/create` requests through the handler registered here (the same answer as a 2025
 * server's elicitation gets), then retries the call on a fresh request id with the
 * `inputResponses` and a byte-exact echo of the server's `requestState` (none when it sent none).
 */
export function createModernClient(reporter: Reporter): ModernClient {
  const client = new ModernClient(
    { name: CLIENT_ID_NAME, version: CLIENT_VERSION },
    { capabilities: { elicitation: ELICITATION }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.setRequestHandler('elicitation/create', (request) => answerElicitation(request.params, reporter));
  return client;
}

/**
 * SEP-2322: a client MUST take a result without `resultType` as complete. The SDK v2 client (2.4.0)
 * instead rejects such a result on a 2026-07-28 connection ("missing required resultType", its
 * absent-means-complete rule being kept for earlier revisions only). A message handler set on the
 * transport before `connect()` is chained by the SDK ahead of its own, on the same message: this one
 * fills in the default there. Error responses, requests and notifications pass untouched.
 */
export function completeWhenResultTypeAbsent(transport: Pick<ModernTransport, 'onmessage'>): void {
  transport.onmessage = (message) => {
    if (!('result' in message)) return;
    const { result } = message;
    // A result that is not an object is the SDK's to refuse.
    if (typeof result === 'object' && result !== null && result.resultType === undefined) result.resultType = 'complete';
  };
}

async function openModern(ctx: SessionContext, fetchFn?: typeof fetch): Promise<Connection & { server?: string }> {
  const transport = new ModernStreamableHTTPClientTransport(ctx.endpoint, { authProvider: ctx.provider, fetch: fetchFn });
  completeWhenResultTypeAbsent(transport);
  const client = createModernClient(ctx.reporter);
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
  const server = client.getServerVersion();
  return {
    // Same wire types, typed differently by the two SDK lines (v2 spells out JSON values): the
    // console client reads tools and results through the v1 types.
    client: withToolsListedBeforeCalls(client as unknown as McpClient),
    protocolVersion: client.getNegotiatedProtocolVersion() ?? '2026-07-28',
    server: server ? `${server.name} ${server.version}` : undefined,
    close: () => client.close().catch(() => undefined),
  };
}

/**
 * MCP 2026-07-28 mirrors a tool's `x-mcp-header` arguments as `Mcp-Param-*` headers (SEP-2243), and
 * the SDK v2 client builds them from the tool definitions it has listed (skipping tools whose
 * declarations are invalid): a call is therefore preceded, once per connection, by tools/list.
 */
export function withToolsListedBeforeCalls(client: McpClient): McpClient {
  let listed: Promise<void> | undefined;
  // Every page: the SDK learns the declarations from what it has listed.
  const listAll = async (): Promise<void> => {
    let cursor: string | undefined;
    do {
      cursor = (await client.listTools(cursor ? { cursor } : undefined)).nextCursor;
    } while (cursor);
  };
  return {
    listTools: (params) => client.listTools(params),
    callTool: async (params) => {
      listed ??= listAll();
      await listed;
      return client.callTool(params);
    },
  };
}

async function openLegacy(ctx: SessionContext, fetchFn?: typeof fetch): Promise<Connection & { server?: string }> {
  const { endpoint, provider, options } = ctx;
  const transport =
    options.transport === 'sse'
      ? new SSEClientTransport(endpoint, { authProvider: provider, fetch: fetchFn })
      : new StreamableHTTPClientTransport(endpoint, { authProvider: provider, fetch: fetchFn });
  const negotiated = recordProtocolVersion(transport);
  const client = new Client({ name: CLIENT_ID_NAME, version: CLIENT_VERSION }, { capabilities: { elicitation: ELICITATION } });
  client.setRequestHandler(ElicitRequestSchema, (request) => answerElicitation(request.params, ctx.reporter));
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
  const server = client.getServerVersion();
  return {
    // v1 types callTool's result to also admit the pre-2024 `toolResult` shape, which this server never sends.
    client: client as unknown as McpClient,
    protocolVersion: negotiated() ?? 'unknown',
    server: server ? `${server.name} ${server.version}` : undefined,
    async close() {
      if (transport instanceof StreamableHTTPClientTransport) {
        // Ends the server-side session now instead of leaving it to idle out.
        await transport.terminateSession().catch(() => undefined);
      }
      await client.close().catch(() => undefined);
    },
  };
}

/**
 * One sentence for a failure while connecting or talking to the server: auth
 * failures exit 3, everything else that stops us from talking to it exits 4.
 */
export async function connectionFailure(ctx: SessionContext, error: unknown): Promise<CliError> {
  if (error instanceof CliError) return error;
  const { endpoint } = ctx;
  if (needsSignIn(error)) {
    return new AuthFailedError('The server did not accept the sign-in (run the command again to sign in anew).', { cause: error });
  }
  const status = httpStatus(error);
  if (status === 401) {
    return new AuthFailedError('The server rejected the new access token (HTTP 401).', { cause: error });
  }
  if (status === 403) {
    return new AuthFailedError('The server refused access: the sign-in lacks a permission this server requires (HTTP 403).', {
      cause: error,
    });
  }
  const network = unreachable(endpoint, error) ?? (await checkReachable(endpoint));
  if (network) return network;
  if (status === 404) {
    return new UnreachableError(`${endpoint.href} answered HTTP 404: is this an MCP server, and does it offer this transport?`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UnreachableError(`Could not talk to the MCP server at ${endpoint.href}: ${sentence(message)}.`, { cause: error });
}

function httpStatus(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError || error instanceof SseError) return error.code;
  if (error instanceof SdkHttpError) return error.status;
  return undefined;
}

/**
 * The revision the v1 client negotiates: `Client.connect` hands the `initialize` result's
 * protocolVersion to the transport (`setProtocolVersion`, part of the Transport contract).
 */
function recordProtocolVersion(transport: Transport): () => string | undefined {
  let version: string | undefined;
  const forward = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (negotiated: string) => {
    version = negotiated;
    forward?.(negotiated);
  };
  return () => version;
}

/** SSE connection errors hide the network cause: ask the server directly. */
async function checkReachable(endpoint: URL): Promise<UnreachableError | undefined> {
  try {
    const res = await fetch(endpoint.origin, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return undefined;
  } catch (error) {
    return unreachable(endpoint, error);
  }
}
