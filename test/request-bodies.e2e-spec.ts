import { startTestServer, TestServer } from './support/test-app';

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
});
