import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { openSessionStream, SessionStream } from '../src/mcp/testing/mcp-test-clients';
import { obtainTokens } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

const ENCODINGS = ['gzip', 'deflate', 'br'] as const;
const COMPRESS = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
/** Compressed with the named encoding, then cut short: zlib fails on it. */
const corrupt = (encoding: (typeof ENCODINGS)[number]) => Buffer.concat([Buffer.from('not compressed at all '), COMPRESS[encoding](Buffer.from('{"a":1}')).subarray(0, 4)]);

describe('Request bodies that cannot be read', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server.close();
  });

  it.each(['/token', '/register', '/revoke'])('%s answers malformed JSON with an OAuth invalid_request error, not a framework error', async (path) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type": oops' });
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'The request body is not valid JSON.' });
  });

  it('answers a body over the size limit with 413 and an OAuth error that does not quote the body', async () => {
    const res = await fetch(`${server.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'x'.repeat(300_000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'The request body is too large.' });
  });

  it('answers malformed JSON on the MCP endpoint with a JSON-RPC parse error', async () => {
    const res = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc": ' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'The request body is not valid JSON.' }, id: null });
  });

  describe('a body whose Content-Encoding data is corrupt', () => {
    const cases = ENCODINGS.flatMap((encoding) => ['/register', '/token', '/revoke'].map((path) => [encoding, path] as const));

    it.each(cases)('%s on %s is an OAuth invalid_request, never the framework error shape or zlib message', async (encoding, path) => {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': path === '/register' ? 'application/json' : 'application/x-www-form-urlencoded', 'content-encoding': encoding },
        body: corrupt(encoding),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description: 'The request body could not be decompressed: its data does not match its Content-Encoding.',
      });
    });

    it.each(ENCODINGS)('%s on /mcp is a JSON-RPC parse error, even before authentication', async (encoding) => {
      const res = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: corrupt(encoding) });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        jsonrpc: '2.0',
        error: { code: -32700, message: 'The request body could not be decompressed: its data does not match its Content-Encoding.' },
        id: null,
      });
    });

    it('on the consent form (a page people see) is an error page, not JSON', async () => {
      const res = await fetch(`${server.url}/auth/consent`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
        body: corrupt('gzip'),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await res.text()).toContain('The request body could not be decompressed');
    });

    it('a correctly compressed body is still read', async () => {
      const body = gzipSync(Buffer.from(JSON.stringify({ client_name: 'Gzip client', redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' })));
      const res = await fetch(`${server.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
      expect(res.status).toBe(201);
    });

    it('an unknown Content-Encoding is 415 in the OAuth shape', async () => {
      const res = await fetch(`${server.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'compress' }, body: 'x' });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    });
  });

  describe('POST /messages (HTTP+SSE) refusals', () => {
    let accessToken: string;
    let stream: SessionStream;
    const post = (body: string | undefined, contentType?: string) =>
      fetch(`${server.url}/messages?sessionId=${stream.sessionId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
        body,
      });

    beforeAll(async () => {
      accessToken = (await obtainTokens(server)).accessToken;
      stream = await openSessionStream(server.url, 'sse', accessToken);
    });

    afterAll(() => stream.abort());

    async function expectJsonRpcError(res: Response, status: number, message: string): Promise<void> {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await res.text();
      expect(text).not.toMatch(/<script|TypeError|Error:/);
      expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', error: { code: -32600, message }, id: null });
    }

    it('answers JSON that is not a message with a JSON-RPC error that does not echo it', async () => {
      await expectJsonRpcError(await post('["<script>alert(1)</script>"]', 'application/json'), 400, 'Invalid Request: the body is not a single JSON-RPC 2.0 message.');
    });

    it('answers an object that is not a JSON-RPC message the same way', async () => {
      await expectJsonRpcError(await post('{"x":"<img src=x onerror=alert(1)>"}', 'application/json'), 400, 'Invalid Request: the body is not a single JSON-RPC 2.0 message.');
    });

    it.each([
      ['an empty content type', ''],
      ['text/plain', 'text/plain'],
      ['a form', 'application/x-www-form-urlencoded'],
    ])('answers %s with 415 and no internal error name', async (_what, contentType) => {
      await expectJsonRpcError(await post('{"jsonrpc":"2.0","method":"x"}', contentType), 415, 'Unsupported Media Type: POST /messages takes Content-Type: application/json.');
    });

    it('answers malformed JSON with a JSON-RPC parse error', async () => {
      const res = await post('<script>alert(1)</script>', 'application/json');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'The request body is not valid JSON.' }, id: null });
    });

    it('still accepts a valid message (202)', async () => {
      const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), 'application/json');
      expect(res.status).toBe(202);
    });
  });
});
