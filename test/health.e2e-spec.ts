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

    beforeAll(async () => {
      redisPort = await freePort();
      // The server still starts: an outage makes it unready, not dead.
      server = await startTestServer({ REDIS_URL: `redis://default:${SECRET}@127.0.0.1:${redisPort}` });
    });

    afterAll(async () => {
      await server.close();
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
        expect(Date.now() - started).toBeLessThan(2000);
        expect(res.status).toBe(503);
        const text = await res.text();
        expect(JSON.parse(text)).toMatchObject({ status: 'error', error: { store: { status: 'down' } } });
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(String(redisPort));
      });
    });
  });
});
