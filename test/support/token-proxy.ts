import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A reverse proxy on loopback that adds `Authorization: Bearer <token>` to the MCP requests
 * passing through it (`/mcp`, when the request carries none), so a tool that cannot sign in
 * (the MCP conformance suite) talks to the protected server as a signed-in client. Everything
 * else passes unchanged, the `Host` header included (the server's DNS-rebinding check sees
 * what the tool sent), and responses stream back as they come (SSE).
 */
export class TokenInjectingProxy {
  accessToken = '';
  private targetPort = 0;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<TokenInjectingProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TokenInjectingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.forward(req, res));
    return proxy;
  }

  /** Where requests go (the server's own port; its SERVER_URL is this proxy's origin). */
  setTarget(port: number): void {
    this.targetPort = port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const headers = { ...req.headers };
    if (new URL(req.url ?? '/', this.origin).pathname === '/mcp' && !headers.authorization && this.accessToken) {
      headers.authorization = `Bearer ${this.accessToken}`;
    }
    const upstream = httpRequest({ host: '127.0.0.1', port: this.targetPort, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}
