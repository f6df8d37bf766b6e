/**
 * Connection hygiene: the HTTP server's own limits (HTTP_HEADERS_TIMEOUT_MS,
 * HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_MAX_CONNECTIONS), set short here
 * so the test is quick, against slow-header and slow-body clients (slowloris), idle
 * keep-alive connections and many idle sockets — while a long-lived SSE stream lives on.
 */
import { connect, Socket } from 'node:net';
import { endsWithin, openSessionStream } from '../src/mcp/testing/mcp-test-clients';
import { obtainTokens } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

const LIMITS = { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '1500' };

interface Watched {
  socket: Socket;
  received: () => string;
  /** Milliseconds from `startedAt` until the server closed the connection. */
  closed: Promise<number>;
}

function open(port: number): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const startedAt = Date.now();
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - startedAt)));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

/** Writes `chunks` one every `everyMs`, until the socket closes. */
function dribble(socket: Socket, chunks: string[], everyMs: number): NodeJS.Timeout {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= chunks.length) return clearInterval(timer);
    socket.write(chunks[i++]!);
  }, everyMs);
  return timer;
}

describe('Connection hygiene (server limits set on purpose)', () => {
  jest.setTimeout(20_000);
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(LIMITS);
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers 408 and disconnects a client that sends its headers too slowly (HTTP_HEADERS_TIMEOUT_MS)', async () => {
    const client = await open(server.config.port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
    const timer = dribble(client.socket, Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: a\r\n`), 200);
    const closedAfter = await client.closed;
    clearInterval(timer);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfter).toBeGreaterThanOrEqual(900);
    expect(closedAfter).toBeLessThan(3000);
  });

  it('answers 408 and disconnects a client that sends its body too slowly (HTTP_REQUEST_TIMEOUT_MS)', async () => {
    const client = await open(server.config.port);
    client.socket.write('POST /register HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{');
    const timer = dribble(client.socket, Array.from({ length: 150 }, () => ' '), 200);
    const closedAfter = await client.closed;
    clearInterval(timer);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfter).toBeGreaterThanOrEqual(1900);
    expect(closedAfter).toBeLessThan(4500);
  });

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS, and answered on it before', async () => {
    const client = await open(server.config.port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    const closedAfter = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(client.received()).toMatch(/Keep-Alive: timeout=1/i);
    expect(closedAfter).toBeGreaterThanOrEqual(1400);
    expect(closedAfter).toBeLessThan(4000);
  });

  it('keeps answering while 300 idle connections are open, and closes those idle connections itself', async () => {
    const idle = await Promise.all(Array.from({ length: 300 }, () => open(server.config.port)));
    const started = Date.now();
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    const closedAfter = await Promise.all(idle.map((c) => c.closed));
    expect(Math.max(...closedAfter)).toBeLessThan(4000);
  });

  it('keeps a long-lived SSE stream open past every one of those timeouts, and it still takes messages', async () => {
    const { accessToken } = await obtainTokens(server);
    const stream = await openSessionStream(server.url, 'sse', accessToken);
    try {
      expect(await endsWithin(stream, 3500)).toBe('open');
      const res = await fetch(`${server.url}/messages?sessionId=${stream.sessionId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(res.status).toBe(202);
    } finally {
      stream.abort();
    }
  });
});

describe('HTTP_MAX_CONNECTIONS', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...LIMITS, HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_MAX_CONNECTIONS: '5' });
  });

  afterAll(async () => {
    await server.close();
  });

  it('closes connections beyond the limit at once, and serves again once others have gone', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => open(server.config.port)));
    const extra = await open(server.config.port);
    extra.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await extra.closed).toBeLessThan(1000);
    expect(extra.received()).toBe('');
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
