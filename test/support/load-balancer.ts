/**
 * A tiny HTTP load balancer for multi-instance e2e tests: a reverse proxy (node:http) that
 * forwards each request to one of its backends, round-robin per request, the way an operator
 * would put several instances of this server behind one public URL. It preserves the Host
 * header, adds `X-Forwarded-For/-Host/-Proto` (the instances trust it with TRUST_PROXY), and
 * streams bodies both ways, SSE included.
 *
 * Routing, in order: a request carrying `X-Test-Backend: <name>` goes to that backend (the
 * header is a test hook, stripped before forwarding); with `sticky` on, a request naming an MCP
 * session (`Mcp-Session-Id` header, or `sessionId` in the query of `/messages`) goes to the
 * backend that opened it, learnt from the `Mcp-Session-Id` response header and from the SSE
 * `endpoint` event; everything else takes the next backend in turn. Every routed request is
 * recorded in `log`.
 */
import { Agent, createServer, IncomingHttpHeaders, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const PIN_HEADER = 'x-test-backend';

export interface Backend {
  name: string;
  port: number;
}

export interface RoutedRequest {
  method: string;
  /** Path without the query string (queries may carry codes and state). */
  path: string;
  backend: string;
  /** How the backend was chosen. */
  by: 'pin' | 'sticky' | 'round-robin';
  status?: number;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own business, never forwarded. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

export class TestLoadBalancer {
  /** Route MCP requests that name a session to the backend that opened it. */
  sticky = false;
  readonly log: RoutedRequest[] = [];

  private backends: Backend[] = [];
  private next = 0;
  private readonly sessions = new Map<string, string>();
  private readonly agent = new Agent({ keepAlive: true });
  private server?: Server;
  private boundPort?: number;

  /** Starts listening on a free loopback port; backends can be set afterwards (the instances need this origin first). */
  static async start(): Promise<TestLoadBalancer> {
    const balancer = new TestLoadBalancer();
    const server = createServer((req, res) => balancer.forward(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    balancer.server = server;
    balancer.boundPort = (server.address() as AddressInfo).port;
    return balancer;
  }

  /** `http://localhost:<port>`: the public URL (SERVER_URL) of the instances behind it. */
  get origin(): string {
    if (this.boundPort === undefined) throw new Error('The load balancer is not started');
    return `http://localhost:${this.boundPort}`;
  }

  setBackends(backends: Backend[]): void {
    this.backends = backends;
    this.next = 0;
  }

  /** The backend that serves the next round-robin request (so a test can say where a flow starts). */
  startRoundAt(name: string): void {
    const index = this.backends.findIndex((b) => b.name === name);
    if (index < 0) throw new Error(`no backend named ${name}`);
    this.next = index;
  }

  /** Request headers that pin a request to one backend. */
  static pinTo(name: string): Record<string, string> {
    return { [PIN_HEADER]: name };
  }

  clearLog(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.agent.destroy();
  }

  private choose(req: IncomingMessage): { backend: Backend; by: RoutedRequest['by'] } {
    if (this.backends.length === 0) throw new Error('no backends');
    const pinned = req.headers[PIN_HEADER];
    if (typeof pinned === 'string') {
      const backend = this.backends.find((b) => b.name === pinned);
      if (!backend) throw new Error(`no backend named ${pinned}`);
      return { backend, by: 'pin' };
    }
    if (this.sticky) {
      const session = this.sessionOf(req);
      const owner = session === undefined ? undefined : this.backends.find((b) => b.name === this.sessions.get(session));
      if (owner) return { backend: owner, by: 'sticky' };
    }
    const backend = this.backends[this.next % this.backends.length]!;
    this.next = (this.next + 1) % this.backends.length;
    return { backend, by: 'round-robin' };
  }

  private sessionOf(req: IncomingMessage): string | undefined {
    const header = req.headers['mcp-session-id'];
    if (typeof header === 'string') return header;
    return new URL(req.url ?? '/', 'http://lb.invalid').searchParams.get('sessionId') ?? undefined;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    let choice: ReturnType<TestLoadBalancer['choose']>;
    try {
      choice = this.choose(req);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : 'no backend');
      return;
    }
    const { backend, by } = choice;
    const entry: RoutedRequest = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, backend: backend.name, by };
    this.log.push(entry);

    const headers = withoutHopByHop(req.headers);
    delete headers[PIN_HEADER];
    const clientAddress = req.socket.remoteAddress ?? '';
    const forwardedFor = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${clientAddress}` : clientAddress;
    headers['x-forwarded-host'] = req.headers.host;
    headers['x-forwarded-proto'] = 'http';

    const upstream = request(
      { host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers, agent: this.agent },
      (answer) => {
        entry.status = answer.statusCode;
        this.learnSession(answer, backend.name);
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
        // Flush headers at once: an SSE stream's first bytes may come much later.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('backend unavailable');
      else res.destroy();
    });
    // The client going away (an SSE client closing its stream) ends the upstream exchange too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  /** Sticky sessions: remember which backend opened an MCP session (Streamable HTTP header, SSE endpoint event). */
  private learnSession(answer: IncomingMessage, backend: string): void {
    const header = answer.headers['mcp-session-id'];
    if (typeof header === 'string') this.sessions.set(header, backend);
    if (!String(answer.headers['content-type'] ?? '').startsWith('text/event-stream')) return;
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /event: endpoint\r?\ndata: [^\r\n]*[?&]sessionId=([^&\r\n]+)/.exec(seen);
      if (match) this.sessions.set(decodeURIComponent(match[1]!), backend);
      if (match || seen.length > 4096) answer.off('data', onData);
    };
    answer.on('data', onData);
  }
}
