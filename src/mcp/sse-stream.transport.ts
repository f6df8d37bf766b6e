import type { ServerResponse } from 'node:http';
// The v1 transport, frozen in server-legacy (CommonJS build under `require`). Pinned 2.3.1 brings its
// own @modelcontextprotocol/core 2.3.1 next to the 2.4.0 one of @modelcontextprotocol/server: the
// Transport contract is structural and unchanged, so the v2 Server connects it as is.
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';

/**
 * The SDK's HTTP+SSE transport (protocol 2024-11-05), opened when `GET /sse` is answered and
 * connected to an MCP server only when the session's first message arrives: an idle stream holds
 * no server. So `start()`, which the server's `connect()` calls, finds the stream open already.
 */
export class SseStreamTransport extends SSEServerTransport {
  constructor(
    endpoint: string,
    private readonly stream: ServerResponse,
  ) {
    super(endpoint, stream);
  }

  /** Sends the event-stream headers and the `endpoint` event naming this session's message URL. */
  open(): Promise<void> {
    return super.start();
  }

  /** Opened by `open()`. */
  override start(): Promise<void> {
    return Promise.resolve();
  }

  /** A comment line (SSE: lines starting with ':' are ignored) so proxies don't cut an idle stream. */
  keepAlive(): void {
    if (this.stream.headersSent && !this.stream.writableEnded) this.stream.write(': keepalive\n\n');
  }
}
