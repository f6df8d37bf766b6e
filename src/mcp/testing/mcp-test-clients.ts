import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as StreamableHTTPClientTransportV2 } from '@modelcontextprotocol/client';

/**
 * How a test client talks to the server:
 * - `streamable-http-2026`: `/mcp` on MCP 2026-07-28 (SDK v2 client, pinned: `server/discover`, then one stateless request per call);
 * - `streamable-http`: `/mcp` on MCP 2025-11-25 (SDK v1 client: `initialize`, then stateless requests);
 * - `sse`: the HTTP+SSE transport (`GET /sse` + `POST /messages`).
 */
export type McpTransportName = 'streamable-http-2026' | 'streamable-http' | 'sse';

/** The calls the tests make, the same on the v1 and the v2 client. */
export interface McpTestClient {
  listTools(): Promise<{ tools: { name: string; inputSchema: unknown; title?: string; description?: string }[] }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<{ [key: string]: unknown; structuredContent?: unknown; isError?: unknown }>;
  getServerVersion(): { name: string; version: string } | undefined;
  getInstructions(): string | undefined;
}

export interface ConnectedClient {
  client: McpTestClient;
  /** The protocol revision the client negotiated. */
  protocolVersion: string;
  /** SSE: the sessionId of the messages endpoint; `/mcp` is stateless: empty. */
  sessionId: string;
  /** Closes the client (SSE: ends the stream). */
  close(): Promise<void>;
}

/**
 * An MCP SDK client, connected with a bearer token over `/mcp` (either protocol era) or
 * HTTP+SSE (test helper shared by the MCP unit and e2e specs).
 */
export async function connectClient(serverUrl: string, transportName: McpTransportName, accessToken: string): Promise<ConnectedClient> {
  const requestInit = { headers: { Authorization: `Bearer ${accessToken}` } };
  if (transportName === 'streamable-http-2026') {
    const client = new ClientV2({ name: 'mcp-test-client', version: '2.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransportV2(new URL('/mcp', serverUrl), { requestInit }));
    return { client, protocolVersion: client.getNegotiatedProtocolVersion() ?? '', sessionId: '', close: () => client.close() };
  }
  const client = new Client({ name: 'mcp-test-client', version: '1.0.0' });
  if (transportName === 'streamable-http') {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', serverUrl), { requestInit });
    await client.connect(transport);
    return { client, protocolVersion: transport.protocolVersion ?? '', sessionId: transport.sessionId ?? '', close: () => client.close() };
  }
  const transport = new SSEClientTransport(new URL('/sse', serverUrl), { requestInit });
  // Client.connect hands the negotiated revision to the transport (part of the Transport contract).
  let protocolVersion = '';
  const forward = transport.setProtocolVersion.bind(transport);
  transport.setProtocolVersion = (version: string) => forward((protocolVersion = version));
  await client.connect(transport);
  const endpoint = (transport as unknown as { _endpoint?: URL })._endpoint;
  return { client, protocolVersion, sessionId: endpoint?.searchParams.get('sessionId') ?? '', close: () => client.close() };
}

/** The text of a tool result's first content block. */
export function firstText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content;
  return content?.[0]?.type === 'text' ? (content[0].text ?? '') : '';
}

export interface SessionStream {
  sessionId: string;
  /** Resolves when the server ends the stream (never rejects). */
  ended: Promise<void>;
  /** Ends the stream from the client side (cleanup). */
  abort(): void;
}

/**
 * An HTTP+SSE session's stream (`GET /sse`) read with plain fetch, so nothing reconnects
 * behind the test's back (EventSource would). `ended` tells when the server closed it.
 * (`/mcp` keeps no sessions: HTTP+SSE is the only transport with a session stream.)
 */
export async function openSessionStream(serverUrl: string, _transport: 'sse', accessToken: string): Promise<SessionStream> {
  const controller = new AbortController();
  const response = await fetch(new URL('/sse', serverUrl), {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) throw new Error(`opening the SSE stream answered ${response.status}`);
  const reader = response.body.getReader();
  // The first event names the messages endpoint, with the session id.
  const decoder = new TextDecoder();
  let text = '';
  while (!/data: [^\n]*\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the SSE stream ended before its endpoint event');
    text += decoder.decode(value, { stream: true });
  }
  const sessionId = /sessionId=([^&\s]+)/.exec(text)?.[1] ?? '';
  const ended = (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // Aborted by the client: ended as well.
    }
  })();
  return { sessionId, ended, abort: () => controller.abort() };
}

/** 'ended' if the stream ends within `ms`, else 'open'. */
export function endsWithin(stream: SessionStream, ms: number): Promise<'ended' | 'open'> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), ms)));
  return Promise.race([stream.ended.then(() => 'ended' as const), open]).finally(() => clearTimeout(timer));
}
