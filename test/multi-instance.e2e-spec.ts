/**
 * Running several instances (README): two instances of the server share one Redis
 * (REDIS_URL), one signing key and one public URL, behind a round-robin load balancer,
 * with one standalone Entra emulator upstream. Any instance serves any OAuth request
 * and honours the tokens, revocations, rotations and rate-limit counters of the other.
 * An HTTP+SSE stream is held by the instance that accepted `GET /sse`; its `POST /messages`
 * may land on any instance, which hands the message to the holder over Redis pub/sub, so
 * SSE needs no sticky routing.
 * `/mcp` keeps no sessions on either protocol era (2026-07-28, 2025-11-25), so a plain
 * round-robin balancer without stickiness serves MCP clients with zero errors.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { connectClient, endsWithin, firstText, openSessionStream } from '../src/mcp/testing/mcp-test-clients';
import { redisAnswersSync } from '../src/store/testing/redis-probe';
import { TestLoadBalancer } from './support/load-balancer';
import { clientAuth, GENEROUS_RATE_LIMITS, obtainTokens, ObtainedTokens, postForm, RegisteredTestClient, TokenSet } from './support/oauth-flow';
import { requireOrSkip } from './support/requirements';
import { spawnServer } from './support/spawn-server';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const describeWithRedis = requireOrSkip('Redis', redisAnswersSync(REDIS_URL), 'start redis-server or set REDIS_URL') ? describe : describe.skip;

const REGISTRATIONS_PER_MINUTE = 10;
const REFRESH_GRACE_SECONDS = 2;
const PROTOCOL_VERSION = '2025-11-25';
const JSON_AND_SSE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const getUserName = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_user_name', arguments: {} } };

type InstanceName = 'A' | 'B';
const pin = (name: InstanceName | 'C') => TestLoadBalancer.pinTo(name);
const other = (name: InstanceName): InstanceName => (name === 'A' ? 'B' : 'A');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * An answer the client did not expect. A 2025-era client's `GET /mcp` (asking for a standalone
 * stream) is answered 405 by a stateless server, as the spec says, and the client carries on.
 */
const isError = (r: { method: string; status?: number }) => (r.status ?? 0) >= 400 && !(r.method === 'GET' && r.status === 405);

describeWithRedis('Running several instances behind a load balancer (shared Redis, no sticky routing)', () => {
  let lb: TestLoadBalancer;
  let emulator: EntraEmulator;
  let instances: TestServer[] = [];
  /** What MCP clients and the browser see: the load balancer's origin is the one public URL. */
  let site: { url: string };
  let client: RegisteredTestClient;
  let browser: ObtainedTokens['jar'];
  /** The environment every instance gets (set once the load balancer and the emulator run). */
  let shared: Record<string, string>;
  const openClients = new Set<Client>();

  /** An MCP SDK client over Streamable HTTP whose every request the load balancer sends to `instance`. */
  async function connectPinned(instance: InstanceName, accessToken: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', site.url), {
      requestInit: { headers: { Authorization: `Bearer ${accessToken}`, ...pin(instance) } },
    });
    const mcp = new Client({ name: 'multi-instance-test', version: '1.0.0' });
    await mcp.connect(transport);
    openClients.add(mcp);
    return mcp;
  }

  /** POST /token or /revoke as the client, on one instance. */
  function tokenRequest(instance: InstanceName, path: '/token' | '/revoke', params: Record<string, string>): Promise<Response> {
    const auth = clientAuth(client);
    return postForm(`${site.url}${path}`, { ...params, ...auth.params }, { ...auth.headers, ...pin(instance) });
  }

  const refreshOn = (instance: InstanceName, refreshToken: string) => tokenRequest(instance, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken });

  /** A raw MCP `initialize` on one instance: 200 when the token is good there, 401 when it is not. */
  function initializeOn(instance: InstanceName, accessToken: string): Promise<Response> {
    return fetch(`${site.url}/mcp`, { method: 'POST', headers: { ...JSON_AND_SSE, authorization: `Bearer ${accessToken}`, ...pin(instance) }, body: JSON.stringify(initialize) });
  }

  /** A fresh grant for Adele through the round-robin load balancer (the first flow's client and browser, when it ran). */
  async function signIn(): Promise<ObtainedTokens> {
    const tokens = await obtainTokens(site, { client, jar: browser });
    client ??= tokens.client;
    browser ??= tokens.jar;
    return tokens;
  }

  beforeAll(async () => {
    // The public URL must exist before the instances (SERVER_URL) and the emulator's app registration (redirect URI).
    lb = await TestLoadBalancer.start();
    site = { url: lb.origin };
    emulator = new EntraEmulator({ port: 0, redirectUris: [`${lb.origin}/auth/callback`] });
    await emulator.start();
    shared = {
      ...GENEROUS_RATE_LIMITS,
      RATE_LIMIT_REGISTER_PER_MINUTE: String(REGISTRATIONS_PER_MINUTE),
      SERVER_URL: lb.origin,
      AUTH_AUTHORITY: emulator.origin,
      AUTH_TENANT_ID: emulator.tenantId,
      AUTH_CLIENT_ID: emulator.clientId,
      GRAPH_BASE_URL: emulator.graphBaseUrl,
      AUTH_SIGNING_KEY: randomBytes(32).toString('hex'),
      REDIS_URL,
      TRUST_PROXY: 'loopback',
      REFRESH_GRACE_SECONDS: String(REFRESH_GRACE_SECONDS),
      // The shared Redis outlives the test: keep what it leaves behind short-lived.
      CLIENT_REGISTRATION_TTL_DAYS: '1',
      GRANT_MAX_LIFETIME_DAYS: '1',
      // The minimum: open streams' grants are then re-checked every 2.5 s (20 s by default).
      MCP_SESSION_IDLE_SECONDS: '10',
    };
    instances = [await startTestServer(shared), await startTestServer(shared)];
    lb.setBackends([
      { name: 'A', port: instances[0]!.config.port },
      { name: 'B', port: instances[1]!.config.port },
    ]);
  });

  afterEach(async () => {
    await Promise.all([...openClients].map((c) => c.close().catch(() => undefined)));
    openClients.clear();
    lb.sticky = false;
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await emulator?.stop();
    await lb?.close();
  });

  describe('the OAuth flow', () => {
    it('completes with every request of the dance landing on the other instance than the one before', async () => {
      lb.clearLog();
      lb.startRoundAt('A');

      const tokens = await obtainTokens(site);
      client = tokens.client;
      browser = tokens.jar;

      expect(tokens.accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(tokens.refreshToken).toBeDefined();
      expect(lb.log.map(({ method, path, backend, by, status }) => [method, path, backend, by, status])).toEqual([
        ['POST', '/register', 'A', 'round-robin', 201],
        ['GET', '/authorize', 'B', 'round-robin', 302],
        ['GET', '/auth/consent', 'A', 'round-robin', 200],
        ['POST', '/auth/consent', 'B', 'round-robin', 303],
        // (the browser signs in at the Entra emulator, which sends it back to the public URL)
        ['GET', '/auth/callback', 'A', 'round-robin', 302],
        ['POST', '/token', 'B', 'round-robin', 200],
      ]);
    });
  });

  describe('tokens', () => {
    it('a token issued through one instance works for MCP on both', async () => {
      const tokens = await signIn();
      lb.clearLog();

      const onA = await connectPinned('A', tokens.accessToken);
      const onB = await connectPinned('B', tokens.accessToken);

      expect(firstText(await onA.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      expect(firstText(await onB.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      expect(new Set(lb.log.filter((r) => r.path === '/mcp').map((r) => r.backend))).toEqual(new Set(['A', 'B']));
      expect(lb.log.every((r) => r.by === 'pin' && !isError(r))).toBe(true);
    });

    it.each<InstanceName>(['A', 'B'])('revoking on %s makes the token refused (401) on the other instance, connected clients included', async (revoker) => {
      const tokens = await signIn();
      const elsewhere = other(revoker);
      const openSession = await connectPinned(elsewhere, tokens.accessToken);
      expect(firstText(await openSession.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');

      const revoked = await tokenRequest(revoker, '/revoke', { token: tokens.accessToken });
      expect(revoked.status).toBe(200);

      const refused = await initializeOn(elsewhere, tokens.accessToken);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      await expect(openSession.callTool({ name: 'get_user_name', arguments: {} })).rejects.toThrow();
      const refresh = await refreshOn(elsewhere, tokens.refreshToken!);
      expect(refresh.status).toBe(400);
      expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('the connected apps page', () => {
    it('revoking a client on /account on one instance ends its tokens on the other at once', async () => {
      const tokens = await signIn();
      expect((await initializeOn('B', tokens.accessToken)).status).toBe(200);
      // The user signs in to /account (silently at Entra: this browser has a session there), requests landing anywhere.
      const signedIn = await browser.followRedirects(`${site.url}/account/sign-in`);
      expect(signedIn.url.pathname).toBe('/account');
      const page = await signedIn.response.text();
      expect(page).toContain(tokens.clientId);
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(page)![1]!;

      const revoked = await browser.fetch(`${site.url}/account/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: site.url, ...pin('A') },
        body: new URLSearchParams({ client_id: tokens.clientId, csrf_token: csrf }).toString(),
      });
      expect(revoked.status).toBe(303);
      const refused = await initializeOn('B', tokens.accessToken);
      expect(refused.status).toBe(401);
      expect((await refreshOn('B', tokens.refreshToken!)).status).toBe(400);
    });
  });

  describe('refresh token rotation across instances', () => {
    it('rotates on A; a retry of the old token on B within the grace period returns the same pair', async () => {
      const tokens = await signIn();

      const rotated = await refreshOn('A', tokens.refreshToken!);
      expect(rotated.status).toBe(200);
      const pair = (await rotated.json()) as TokenSet;
      expect(pair.refresh_token).not.toBe(tokens.refreshToken);

      const retried = await refreshOn('B', tokens.refreshToken!);
      expect(retried.status).toBe(200);
      const again = (await retried.json()) as TokenSet;
      expect(again.access_token).toBe(pair.access_token);
      expect(again.refresh_token).toBe(pair.refresh_token);
      expect((await initializeOn('B', pair.access_token)).status).toBe(200);
    });

    it.each<InstanceName>(['A', 'B'])('reusing the rotated-out token after the grace period, on %s, revokes the grant everywhere', async (reuser) => {
      const tokens = await signIn();
      const rotated = await refreshOn('A', tokens.refreshToken!);
      const pair = (await rotated.json()) as TokenSet;

      await sleep(REFRESH_GRACE_SECONDS * 1000 + 300);
      const reused = await refreshOn(reuser, tokens.refreshToken!);
      expect(reused.status).toBe(400);
      expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });

      const successor = await refreshOn(other(reuser), pair.refresh_token!);
      expect(successor.status).toBe(400);
      expect(await successor.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await initializeOn('A', pair.access_token)).status).toBe(401);
      expect((await initializeOn('B', pair.access_token)).status).toBe(401);
    });

    it('reusing the rotated-out token on one instance after its successor was used on the other revokes the grant', async () => {
      const tokens = await signIn();
      const first = (await (await refreshOn('B', tokens.refreshToken!)).json()) as TokenSet;
      const secondResponse = await refreshOn('A', first.refresh_token!);
      expect(secondResponse.status).toBe(200);
      const second = (await secondResponse.json()) as TokenSet;

      // Within the grace period, but the successor has been used: a leak, not a retry.
      const reused = await refreshOn('B', tokens.refreshToken!);
      expect(reused.status).toBe(400);
      expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await refreshOn('A', second.refresh_token!)).status).toBe(400);
      expect((await initializeOn('A', second.access_token)).status).toBe(401);
    });
  });

  describe('the Entra tokens behind a grant', () => {
    it('survive both instances refreshing them at the same moment (the emulator, like a strict IdP, rotates refresh tokens)', async () => {
      // Below the 60 s refresh margin: every use of the Entra token refreshes it first.
      emulator.setAccessTokenLifetime(30);
      try {
        for (let round = 0; round < 3; round++) {
          const tokens = await signIn();
          const [onA, onB] = await Promise.all([connectPinned('A', tokens.accessToken), connectPinned('B', tokens.accessToken)]);

          const names = await Promise.all([onA, onB].map((mcp) => mcp.callTool({ name: 'get_user_name', arguments: {} })));

          expect(names.map(firstText)).toEqual(['Adele Vance', 'Adele Vance']);
          expect((await initializeOn('A', tokens.accessToken)).status).toBe(200);
          expect((await initializeOn('B', tokens.accessToken)).status).toBe(200);
        }
      } finally {
        emulator.setAccessTokenLifetime(3600);
      }
    });
  });

  describe('rate limits', () => {
    /** POST /register from a client machine of its own (a loopback source address), through the round-robin load balancer. */
    function registerFrom(sourceAddress: string): Promise<{ status: number; retryAfter?: string; body: string }> {
      const lbUrl = new URL(site.url);
      const body = JSON.stringify({ client_name: 'Rate-limited client', redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' });
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: Number(lbUrl.port),
            localAddress: sourceAddress,
            method: 'POST',
            path: '/register',
            headers: { host: lbUrl.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }

    it('are counted in the shared store: N registrations spread over both instances pass, the next is refused on either', async () => {
      // A client address of this run only, so neither other runs nor other suites share its window.
      const clientAddress = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
      lb.clearLog();
      lb.startRoundAt('A');

      const passed = [];
      for (let i = 0; i < REGISTRATIONS_PER_MINUTE; i++) passed.push(await registerFrom(clientAddress));
      const refusedOnB = await registerFrom(clientAddress);
      const refusedOnA = await registerFrom(clientAddress);

      expect(passed.map((r) => r.status)).toEqual(Array(REGISTRATIONS_PER_MINUTE).fill(201));
      expect(new Set(lb.log.slice(0, REGISTRATIONS_PER_MINUTE).map((r) => r.backend))).toEqual(new Set(['A', 'B']));
      for (const [refused, instance] of [
        [refusedOnB, 'B'],
        [refusedOnA, 'A'],
      ] as const) {
        expect(refused.status).toBe(429);
        expect(JSON.parse(refused.body)).toMatchObject({ error: 'too_many_requests' });
        expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(lb.log.find((r, i) => i >= REGISTRATIONS_PER_MINUTE && r.backend === instance)?.status).toBe(429);
      }
    });
  });

  describe('HTTP+SSE needs no sticky sessions: a stream lives on one instance, its messages may reach any', () => {
    it('an SSE session whose POSTs alternate between the instances gets every answer on its stream', async () => {
      const tokens = await signIn();
      lb.startRoundAt('A');
      lb.clearLog();

      const connected = await connectClient(site.url, 'sse', tokens.accessToken);
      try {
        for (let i = 0; i < 4; i++) expect(firstText(await connected.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      } finally {
        await connected.close();
      }

      const [stream, ...posts] = lb.log;
      expect([stream!.method, stream!.path, stream!.backend, stream!.status]).toEqual(['GET', '/sse', 'A', 200]);
      // initialize, notifications/initialized, then the four calls: round-robin, every other one on B.
      expect(posts.map((r) => [r.method, r.path, r.by, r.status])).toEqual(Array(6).fill(['POST', '/messages', 'round-robin', 202]));
      expect(posts.map((r) => r.backend)).toEqual(['B', 'A', 'B', 'A', 'B', 'A']);
    });

    it('killing the instance that holds a stream: the next POST is a prompt 404, and the client reconnects with the same token', async () => {
      const tokens = await signIn();
      // A third instance in its own process, so that it can die as a crashed process does (SIGKILL: no goodbye to Redis).
      const doomed = await spawnServer({ ...shared, LOG_LEVEL: 'warn' });
      const doomedPort = Number(new URL(doomed.url).port);
      const survivors = [
        { name: 'A', port: instances[0]!.config.port },
        { name: 'B', port: instances[1]!.config.port },
      ];
      lb.setBackends([...survivors, { name: 'C', port: doomedPort }]);
      const stream = await openRawSse(`${site.url}/sse`, { authorization: `Bearer ${tokens.accessToken}`, ...pin('C') });
      try {
        const post = (instance: InstanceName, message: unknown) =>
          fetch(`${site.url}/messages?sessionId=${stream.sessionId}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.accessToken}`, ...pin(instance) },
            body: JSON.stringify(message),
          });
        // Alive, C holds the session and answers on its stream what arrives through A.
        expect((await post('A', initialize)).status).toBe(202);
        expect(await stream.answerTo(1)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'mcp-entra-server' } } });

        doomed.server.child.kill('SIGKILL');
        await doomed.server.exited;
        lb.setBackends(survivors);

        const started = Date.now();
        const orphaned = await post('B', getUserName);
        expect(Date.now() - started).toBeLessThan(1_500);
        expect(orphaned.status).toBe(404);
        expect(await orphaned.json()).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
        expect((await post('A', getUserName)).status).toBe(404);
      } finally {
        stream.abort();
        await doomed.server.stop();
        lb.setBackends(survivors);
      }

      // The client opens a new stream with the token it holds: no new sign-in.
      const reconnected = await connectClient(site.url, 'sse', tokens.accessToken);
      try {
        expect(firstText(await reconnected.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      } finally {
        await reconnected.close();
      }
    }, 120_000);

    it('revoking the grant on one instance closes its SSE stream held by the other', async () => {
      const tokens = await signIn();
      lb.clearLog();
      const stream = await openSessionStream(site.url, 'sse', tokens.accessToken);
      const holder = lb.log.find((r) => r.path === '/sse')!.backend as InstanceName;
      try {
        expect(await endsWithin(stream, 300)).toBe('open');

        expect((await tokenRequest(other(holder), '/revoke', { token: tokens.accessToken })).status).toBe(200);

        expect(await endsWithin(stream, 8_000)).toBe('ended');
      } finally {
        stream.abort();
      }
    });
  });

  describe('/mcp is stateless on both protocol eras: no sticky routing', () => {
    it.each(['streamable-http-2026', 'streamable-http'] as const)(
      'an MCP client on %s behind the round-robin balancer (no stickiness) alternates instances with zero errors',
      async (transport) => {
        const tokens = await signIn();
        lb.startRoundAt('A');
        lb.clearLog();
        const connected = await connectClient(site.url, transport, tokens.accessToken);
        try {
          expect((await connected.client.listTools()).tools.map((tool) => tool.name)).toContain('get_user_name');
          for (let i = 0; i < 6; i++) expect(firstText(await connected.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
        } finally {
          await connected.close();
        }
        const mcp = lb.log.filter((r) => r.path === '/mcp');
        expect(mcp.length).toBeGreaterThanOrEqual(8);
        expect(mcp.every((r) => r.by === 'round-robin' && !isError(r))).toBe(true);
        // Round robin: every request lands on the other instance than the one before.
        expect(mcp.every((r, i) => i === 0 || r.backend !== mcp[i - 1]!.backend)).toBe(true);
      },
    );

    it('2026-07-28 and 2025-11-25 clients calling side by side through the balancer get zero errors', async () => {
      const tokens = await signIn();
      lb.clearLog();
      const modern = await connectClient(site.url, 'streamable-http-2026', tokens.accessToken);
      const legacy = await connectClient(site.url, 'streamable-http', tokens.accessToken);
      try {
        const names = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 ? legacy : modern).client.callTool({ name: 'get_user_name', arguments: {} }).then(firstText)),
        );
        expect(new Set(names)).toEqual(new Set(['Adele Vance']));
      } finally {
        await Promise.all([modern.close(), legacy.close()]);
      }
      const mcp = lb.log.filter((r) => r.path === '/mcp');
      expect(new Set(mcp.map((r) => r.backend))).toEqual(new Set(['A', 'B']));
      expect(mcp.filter(isError)).toEqual([]);
    });
  });
});

interface RawSse {
  sessionId: string;
  /** The JSON-RPC message on the stream answering request `id` (waits for it, up to 10 s). */
  answerTo(id: number): Promise<unknown>;
  abort(): void;
}

/** `GET /sse` read with plain fetch, so nothing reconnects behind the test's back (EventSource would). */
async function openRawSse(url: string, headers: Record<string, string>): Promise<RawSse> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: controller.signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET /sse answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const read = async (until: () => boolean, timeoutMs = 10_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!until()) {
      if (Date.now() > deadline) throw new Error('the SSE stream did not deliver in time');
      const { value, done } = await reader.read();
      if (done) throw new Error('the SSE stream ended');
      text += decoder.decode(value, { stream: true });
    }
  };
  await read(() => /event: endpoint\ndata: [^\n]*\n/.test(text));
  const sessionId = /sessionId=([^&\s]+)/.exec(text)?.[1] ?? '';
  const messages = () =>
    [...text.matchAll(/event: message\ndata: ([^\n]*)\n/g)].map((m) => JSON.parse(m[1]!) as { id?: unknown });
  return {
    sessionId,
    async answerTo(id: number) {
      await read(() => messages().some((m) => m.id === id));
      return messages().find((m) => m.id === id);
    },
    abort: () => controller.abort(),
  };
}
