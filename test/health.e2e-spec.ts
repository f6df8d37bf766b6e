import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { freePort, startTestServer, TestServer } from './support/test-app';

describe('Health probes', () => {
  describe('with the default SQLite store', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer();
    });

    afterAll(async () => {
      await server.close();
    });

    describe('GET /health', () => {
      it('answers 200 {status: "ok"} while the process is alive, never cached', async () => {
        const res = await fetch(`${server.url}/health`);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(await res.json()).toEqual({ status: 'ok' });
      });
    });

    describe('GET /health/ready', () => {
      it('answers 200 with the store up when the store is reachable', async () => {
        const res = await fetch(`${server.url}/health/ready`);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(await res.json()).toMatchObject({ status: 'ok', info: { store: { status: 'up' } } });
      });
    });
  });

  describe('with REDIS_URL pointing at a Redis that does not answer', () => {
    const SECRET = 'pa55-not-for-probes';
    let server: TestServer;
    let redisPort: number;

    let tenant: EntraEmulator;

    beforeAll(async () => {
      redisPort = await freePort();
      // Pointed at a tenant, as deployments with Redis are (the embedded emulator keeps its own
      // keys in the server's store, so it cannot start without it; it is a development tool).
      tenant = new EntraEmulator({ port: 0, redirectUris: ['http://localhost/auth/callback'] });
      await tenant.start();
      // The server still starts: an outage makes it unready, not dead.
      server = await startTestServer({
        REDIS_URL: `redis://default:${SECRET}@127.0.0.1:${redisPort}`,
        AUTH_AUTHORITY: tenant.origin,
        AUTH_TENANT_ID: tenant.tenantId,
        AUTH_CLIENT_ID: tenant.clientId,
        GRAPH_BASE_URL: tenant.graphBaseUrl,
      });
    });

    afterAll(async () => {
      await server?.close();
      await tenant?.stop();
    });

    describe('GET /health', () => {
      it('still answers 200, so the orchestrator does not restart a healthy process for an outage elsewhere', async () => {
        const res = await fetch(`${server.url}/health`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'ok' });
      });
    });

    describe('GET /health/ready', () => {
      it('answers 503 with the store down within about a second, naming no host or secret', async () => {
        const started = Date.now();
        const res = await fetch(`${server.url}/health/ready`);
        expect(Date.now() - started).toBeLessThan(2500);
        expect(res.status).toBe(503);
        const text = await res.text();
        expect(JSON.parse(text)).toMatchObject({ status: 'error', error: { store: { status: 'down' } } });
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(String(redisPort));
      });
    });

    describe('requests that need the store', () => {
      it('get 503 temporarily_unavailable with Retry-After from the OAuth endpoints, quickly and without details', async () => {
        const started = Date.now();
        const res = await fetch(`${server.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=refresh_token&refresh_token=anything&client_id=someone',
        });
        expect(Date.now() - started).toBeLessThan(2500);
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        const text = await res.text();
        expect(JSON.parse(text)).toMatchObject({ error: 'temporarily_unavailable' });
        expect(text).not.toContain(SECRET);
      });

      it('get 503 with Retry-After, not 500 or 401, from the MCP endpoints when the token cannot be checked', async () => {
        const res = await fetch(`${server.url}/mcp`, {
          method: 'POST',
          headers: { authorization: `Bearer ${'a'.repeat(43)}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        expect(res.headers.get('cache-control')).toBe('no-store');
        const text = await res.text();
        expect(JSON.parse(text)).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
        expect(text).not.toContain(SECRET);
      });
    });
  });
});
