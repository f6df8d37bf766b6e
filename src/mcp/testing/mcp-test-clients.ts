import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export type McpTransportName = 'streamable-http' | 'sse';

export interface ConnectedClient {
  client: Client;
  /** Streamable HTTP: the Mcp-Session-Id; SSE: the sessionId of the messages endpoint. */
  sessionId: string;
  /** Ends the session as a well-behaved client does: DELETE /mcp (Streamable HTTP) or closing the stream (SSE). */
  close(): Promise<void>;
}

/**
 * The MCP SDK's own client, connected with a bearer token over either transport
 * (test helper shared by the MCP unit and e2e specs).
 */
export async function connectClient(serverUrl: string, transportName: McpTransportName, accessToken: string): Promise<ConnectedClient> {
  const requestInit = { headers: { Authorization: `Bearer ${accessToken}` } };
  const client = new Client({ name: 'mcp-test-client', version: '1.0.0' });
  if (transportName === 'streamable-http') {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', serverUrl), { requestInit });
    await client.connect(transport);
    const close = async (): Promise<void> => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    };
    return { client, sessionId: transport.sessionId ?? '', close };
  }
  const transport = new SSEClientTransport(new URL('/sse', serverUrl), { requestInit });
  await client.connect(transport);
  const endpoint = (transport as unknown as { _endpoint?: URL })._endpoint;
  return { client, sessionId: endpoint?.searchParams.get('sessionId') ?? '', close: () => client.close() };
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

const PROTOCOL_VERSION = '2025-06-18';

/**
 * A session's server-to-client stream read with plain fetch, so nothing reconnects behind the
 * test's back (EventSource would): `GET /sse`, or Streamable HTTP's standalone `GET /mcp` after
 * a raw initialize. `ended` tells when the server closed it.
 */
export async function openSessionStream(serverUrl: string, transportName: McpTransportName, accessToken: string): Promise<SessionStream> {
  const controller = new AbortController();
  const auth = { authorization: `Bearer ${accessToken}` };
  let response: Response;
  let sessionId = '';
  if (transportName === 'sse') {
    response = await fetch(new URL('/sse', serverUrl), { headers: { ...auth, accept: 'text/event-stream' }, signal: controller.signal });
  } else {
    const post = (body: unknown, session?: string): Promise<Response> =>
      fetch(new URL('/mcp', serverUrl), {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': PROTOCOL_VERSION } : {}),
        },
        body: JSON.stringify(body),
      });
    const initialize = { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw-stream', version: '1' } };
    const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initialize });
    sessionId = init.headers.get('mcp-session-id') ?? '';
    await init.text();
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId)).text();
    response = await fetch(new URL('/mcp', serverUrl), {
      headers: { ...auth, accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION },
      signal: controller.signal,
    });
  }
  if (response.status !== 200 || !response.body) throw new Error(`opening the ${transportName} stream answered ${response.status}`);
  const reader = response.body.getReader();
  if (transportName === 'sse') {
    // The first event names the messages endpoint, with the session id.
    const decoder = new TextDecoder();
    let text = '';
    while (!/data: [^\n]*\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the SSE stream ended before its endpoint event');
      text += decoder.decode(value, { stream: true });
    }
    sessionId = /sessionId=([^&\s]+)/.exec(text)?.[1] ?? '';
  }
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
