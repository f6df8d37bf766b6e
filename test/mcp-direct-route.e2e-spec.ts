/**
 * `POST /mcp`, the hot path, is served in front of Express and Nest's route pipeline
 * (McpDirectRoute). It must be invisible to clients and operators: the same answers, the same
 * headers, the same log line, the same rules. A request it does not serve (compressed body,
 * token refused, scope missing) is answered by the application; sending the same request with
 * `Content-Encoding: identity` (which the direct route leaves to the application) gives the
 * application's own answer to compare with.
 */
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENEROUS_RATE_LIMITS, obtainTokens } from './support/oauth-flow';
import { SpawnedProcess, spawnServer, waitForOutput } from './support/spawn-server';
import { startTestServer, TestServer } from './support/test-app';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'direct-route-e2e', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function whoamiCall(token: string, extraHeaders: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'whoami',
      ...extraHeaders,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: ENVELOPE } }),
  };
}

/** Response headers that differ between any two answers (per request or per moment). */
const VARYING = new Set(['date', 'x-request-id', 'content-length', 'etag', 'keep-alive', 'connection']);

function stableHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => !VARYING.has(name)));
}

describe('POST /mcp served in front of the application (direct route)', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer(GENEROUS_RATE_LIMITS);
    ({ accessToken: token } = await obtainTokens(server));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers a tool call exactly as the application does: status, body and every header', async () => {
    const direct = await fetch(`${server.url}/mcp`, whoamiCall(token));
    const viaApplication = await fetch(`${server.url}/mcp`, whoamiCall(token, { 'content-encoding': 'identity' }));
    expect(direct.status).toBe(200);
    expect(viaApplication.status).toBe(200);
    expect(await direct.json()).toEqual(await viaApplication.json());
    expect(stableHeaders(direct)).toEqual(stableHeaders(viaApplication));
    // The security and CORS headers every /mcp answer carries.
    expect(direct.headers.get('x-content-type-options')).toBe('nosniff');
    expect(direct.headers.get('strict-transport-security')).toBeTruthy();
    expect(direct.headers.get('access-control-allow-origin')).toBe('*');
    expect(direct.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a caller-supplied request id, as the application does', async () => {
    const res = await fetch(`${server.url}/mcp`, whoamiCall(token, { 'x-request-id': 'trace-42' }));
    expect(res.headers.get('x-request-id')).toBe('trace-42');
  });

  it('answers malformed JSON from an authenticated caller with the application\'s JSON-RPC parse error', async () => {
    const malformed = (extra: Record<string, string>) => ({ ...whoamiCall(token, extra), body: '{"jsonrpc": "2.0", ' });
    const direct = await fetch(`${server.url}/mcp`, malformed({}));
    const viaApplication = await fetch(`${server.url}/mcp`, malformed({ 'content-encoding': 'identity' }));
    expect(direct.status).toBe(400);
    expect(await direct.json()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'The request body is not valid JSON.' }, id: null });
    expect(viaApplication.status).toBe(400);
    expect(stableHeaders(direct)).toEqual(stableHeaders(viaApplication));
  });

  it('leaves a refused token to the application: 401 with its WWW-Authenticate challenge', async () => {
    const res = await fetch(`${server.url}/mcp`, whoamiCall('A'.repeat(43)));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('leaves another Host to the application: refused as DNS rebinding', async () => {
    // fetch() cannot set Host: a plain HTTP request can.
    const call = whoamiCall(token, { host: 'attacker.example' });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}/mcp`, { method: 'POST', headers: call.headers as Record<string, string> }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(call.body as string);
    });
    expect(status).toBe(403);
  });

  it('forgets a request whose client leaves mid-body, and serves the next one', async () => {
    const call = whoamiCall(token);
    const body = call.body as string;
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...(call.headers as Record<string, string>), 'content-length': String(body.length) } });
      req.on('error', () => resolve());
      req.write(body.slice(0, 10), () => setTimeout(() => (req.destroy(), resolve()), 50));
    });
    const next = await fetch(`${server.url}/mcp`, whoamiCall(token));
    expect(next.status).toBe(200);
  });

  it('honours a revocation on the very next request (no cached token check)', async () => {
    const { accessToken, client } = await obtainTokens(server);
    expect((await fetch(`${server.url}/mcp`, whoamiCall(accessToken))).status).toBe(200);
    const form = new URLSearchParams({ token: accessToken, client_id: client.client_id });
    const revoked = await fetch(`${server.url}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(revoked.status).toBe(200);
    expect((await fetch(`${server.url}/mcp`, whoamiCall(accessToken))).status).toBe(401);
  });
});

describe('The request log of a tool call served by the direct route', () => {
  jest.setTimeout(90_000);
  let server: SpawnedProcess;
  let url: string;

  beforeAll(async () => {
    ({ server, url } = await spawnServer({ NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), 'direct-route-log-')), ...GENEROUS_RATE_LIMITS }));
    await waitForOutput(server, 'is ready on');
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('is one JSON line with method, path, status and duration, sharing its request id with the tool call line, and no token', async () => {
    const { accessToken } = await obtainTokens({ url });
    const res = await fetch(`${url}/mcp`, whoamiCall(accessToken, { 'x-request-id': 'direct-log-1' }));
    expect(res.status).toBe(200);
    await res.text();
    await waitForOutput(server, '"msg":"POST /mcp 200');
    const lines = server
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"reqId":"direct-log-1"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.msg)).toEqual(['MCP tool call', expect.stringMatching(/^POST \/mcp 200 \d+ ms$/)]);
    expect(lines[1]).toMatchObject({ level: 30, method: 'POST', path: '/mcp', statusCode: 200, responseTime: expect.any(Number) });
    expect(server.stdout()).not.toContain(accessToken);
  });
});
