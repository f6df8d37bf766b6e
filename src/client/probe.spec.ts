import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { parseBearerChallenge, probeEndpoint } from './probe';
import { UnreachableError } from './errors';

describe('parseBearerChallenge', () => {
  it('reads resource_metadata and scope (RFC 9728 §5.1)', () => {
    const parsed = parseBearerChallenge(
      'Bearer error="invalid_token", resource_metadata="http://localhost:8000/.well-known/oauth-protected-resource", scope="mcp:tools user.read"',
    );
    expect(parsed.scope).toBe('mcp:tools user.read');
    expect(parsed.resourceMetadataUrl?.href).toBe('http://localhost:8000/.well-known/oauth-protected-resource');
  });

  it('ignores other schemes and missing headers', () => {
    expect(parseBearerChallenge('Basic realm="x"')).toEqual({});
    expect(parseBearerChallenge(undefined)).toEqual({});
  });
});

describe('probeEndpoint', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const method = body ? (JSON.parse(body) as { method: string }).method : '-';
        seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'} ${method} ${String(req.headers['mcp-method'] ?? '-')}`);
        res.writeHead(401, { 'www-authenticate': 'Bearer resource_metadata="http://x/.well-known/oauth-protected-resource", scope="mcp:tools"' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('POSTs to /mcp and GETs /sse without a token, and shows the challenge', async () => {
    const http = await probeEndpoint(new URL(`${base}/mcp`), 'http');
    const sse = await probeEndpoint(new URL(`${base}/sse`), 'sse');
    expect(http).toEqual(expect.objectContaining({ status: 401, scope: 'mcp:tools' }));
    expect(sse.wwwAuthenticate).toContain('resource_metadata=');
    expect(seen).toEqual(['POST /mcp - initialize -', 'GET /sse - - -']);
  });

  it('knocks with server/discover and its Mcp-Method header at MCP 2026-07-28 (no initialize in that revision)', async () => {
    seen.length = 0;
    const modern = await probeEndpoint(new URL(`${base}/mcp`), 'http', fetch, '2026-07-28');
    expect(modern.status).toBe(401);
    expect(seen).toEqual(['POST /mcp - server/discover server/discover']);
  });

  it('fails with UnreachableError when nothing listens', async () => {
    await expect(probeEndpoint(new URL('http://127.0.0.1:9/mcp'), 'http')).rejects.toBeInstanceOf(UnreachableError);
  });
});
