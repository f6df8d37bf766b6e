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
