/**
 * Fault injection against real processes: the server is killed mid-burst, its Redis is
 * paused and killed under load, its DATA_DIR turns read-only or fills up, and Redis is
 * reached over TLS with a password. What the server acknowledged must survive, and an
 * outage must look like one (503 with Retry-After), never like a bad token.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENEROUS_RATE_LIMITS, obtainTokens, refreshTokens, registerClient, RegisteredTestClient, TokenSet } from './support/oauth-flow';
import { PrivateRedis, redisServerInstalled } from './support/private-redis';
import { requireOrSkip } from './support/requirements';
import { SpawnedProcess, spawnTs, waitForOk } from './support/spawn-server';
import { freePort } from './support/test-app';
import { makeTestCertificates } from './support/tls-certificates';

jest.setTimeout(120_000);

interface ServerProcess {
  proc: SpawnedProcess;
  url: string;
}

/** The server entry point in its own process on fixed ports (a restart keeps its URL, so tokens keep their audience). */
async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const proc = spawnTs('src/main.ts', { NODE_ENV: 'test', LOG_LEVEL: 'warn', ...GENEROUS_RATE_LIMITS, ...env });
  const url = `http://localhost:${env.PORT}`;
  await Promise.race([
    waitForOk(`${url}/health`),
    proc.exited.then((code) => {
      throw new Error(`the server exited (${code}) before answering: ${proc.stderr().slice(-2000)}`);
    }),
  ]);
  return { proc, url };
}

async function portsEnv(): Promise<Record<string, string>> {
  return { PORT: String(await freePort()), EMULATOR_PORT: String(await freePort()) };
}

interface Grant {
  client: RegisteredTestClient;
  accessToken: string;
  refreshToken: string;
}

/** What the server acknowledged during a burst: these must all work afterwards. */
interface Acknowledged {
  clients: RegisteredTestClient[];
  grants: Grant[];
  /** Every answer seen, for the outage properties. */
  answers: { what: string; status: number; error?: string; retryAfter: string | null; ms: number; at: number }[];
}

async function newGrants(url: string, count: number): Promise<Grant[]> {
  const grants: Grant[] = [];
  for (let i = 0; i < count; i++) {
    const tokens = await obtainTokens({ url });
    grants.push({ client: tokens.client, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken! });
  }
  return grants;
}

async function record(acked: Acknowledged, what: string, request: () => Promise<Response>): Promise<Response | undefined> {
  const started = Date.now();
  try {
    const res = await request();
    const text = await res.text();
    let error: string | undefined;
    try {
      error = (JSON.parse(text) as { error?: string }).error;
    } catch {
      // not JSON
    }
    acked.answers.push({ what, status: res.status, error, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started, at: started });
    return new Response(text, { status: res.status, headers: res.headers });
  } catch {
    return undefined; // the connection broke (server killed): nothing was acknowledged
  }
}

/**
 * Registrations and refresh-token rotations as fast as the server takes them, until `stop()`.
 * Only what was answered 201/200 counts as acknowledged.
 */
function burst(url: string, grants: Grant[]): { acked: Acknowledged; stop(): Promise<void> } {
  const acked: Acknowledged = { clients: [], grants, answers: [] };
  let running = true;
  const registering = Array.from({ length: 3 }, async () => {
    while (running) {
      const res = await record(acked, 'register', () =>
        fetch(`${url}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_name: `burst ${randomUUID()}`, redirect_uris: [`http://127.0.0.1:${1024 + Math.floor(Math.random() * 60000)}/cb`], token_endpoint_auth_method: 'none' }),
        }),
      );
      if (res?.status === 201) acked.clients.push((await res.json()) as RegisteredTestClient);
      if (!res) await new Promise((r) => setTimeout(r, 50));
    }
  });
  const refreshing = grants.map(async (grant) => {
    while (running) {
      const res = await record(acked, 'refresh', () => refreshTokens({ url }, grant.client, grant.refreshToken));
      if (res?.status === 200) {
        const tokens = (await res.json()) as TokenSet;
        grant.accessToken = tokens.access_token;
        grant.refreshToken = tokens.refresh_token!;
      } else {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  return {
    acked,
    async stop() {
      running = false;
      await Promise.all([...registering, ...refreshing]);
    },
  };
}

/** The access token is accepted on /mcp (an initialize needs a valid bearer). */
async function mcpAccepts(url: string, accessToken: string): Promise<number> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fault-test', version: '1' } } }),
  });
  await res.text();
  return res.status;
}

/** A registered client is known: /authorize with its exact redirect URI leads to the consent page, not an error page. */
async function clientKnown(url: string, client: RegisteredTestClient): Promise<boolean> {
  const authorize = new URL(`${url}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0]!,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 's',
  }).toString();
  const res = await fetch(authorize, { redirect: 'manual' });
  await res.text();
  // Known: on to this server's consent page. Unknown: an error page (400), never a redirect.
  return res.status === 302 && (res.headers.get('location') ?? '').startsWith('/auth/consent?');
}

/** Everything acknowledged still works: each client is known; each grant's newest access token and refresh token work. */
async function expectAllAcknowledgedWork(url: string, acked: Acknowledged): Promise<void> {
  const unknown: string[] = [];
  for (const client of acked.clients) if (!(await clientKnown(url, client))) unknown.push(client.client_id);
  expect(unknown).toEqual([]);
  for (const grant of acked.grants) {
    expect(await mcpAccepts(url, grant.accessToken)).toBe(200);
    const res = await refreshTokens({ url }, grant.client, grant.refreshToken);
    expect({ status: res.status, body: res.status === 200 ? 'tokens' : await res.text() }).toEqual({ status: 200, body: 'tokens' });
  }
}

describe('Fault injection (real processes)', () => {
  describe('SQLite: the server is killed (SIGKILL) during a burst of registrations and refreshes', () => {
    it('after a restart with the same DATA_DIR, every acknowledged registration, access token and newest refresh token works', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'fault-sqlite-'));
      const env = { ...(await portsEnv()), DATA_DIR: dataDir };
      let server = await startServer(env);
      const load = burst(server.url, await newGrants(server.url, 3));
      await new Promise((r) => setTimeout(r, 1500));
      server.proc.child.kill('SIGKILL');
      await server.proc.exited;
      await load.stop();
      const { acked } = load;
      expect(acked.clients.length).toBeGreaterThan(5);
      expect(acked.answers.filter((a) => a.status === 200).length).toBeGreaterThan(5);

      server = await startServer(env);
      try {
        await expectAllAcknowledgedWork(server.url, acked);
      } finally {
        await server.proc.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  const haveRedis = requireOrSkip('redis-server', redisServerInstalled(), 'install redis-server (Debian: apt-get install redis-server)');
  (haveRedis ? describe : describe.skip)('Redis paused (SIGSTOP) and killed under load (a private redis-server, AOF on)', () => {
    it('answers 503 with Retry-After within about a second, never 401 or invalid_grant, recovers without a restart and loses nothing acknowledged', async () => {
      const redis = new PrivateRedis({ password: `pw-${randomUUID()}` });
      await redis.start();
      const server = await startServer({ ...(await portsEnv()), DATA_DIR: mkdtempSync(join(tmpdir(), 'fault-redis-')), REDIS_URL: redis.url, REDIS_KEY_PREFIX: `fault-${randomUUID()}:` });
      try {
        const grants = await newGrants(server.url, 3);
        const load = burst(server.url, grants);
        const probe = async (): Promise<number> => mcpAccepts(server.url, grants[0]!.accessToken).catch(() => 0);
        await new Promise((r) => setTimeout(r, 800));

        // Paused: connections stay open and nothing answers.
        const pausedAt = Date.now();
        redis.pause();
        await new Promise((r) => setTimeout(r, 3000));
        const duringPause = load.acked.answers.filter((a) => a.at > pausedAt + 200);
        expect(await probe()).toBe(503);
        redis.resume();
        const resumedAt = Date.now();
        await waitFor(async () => (await probe()) === 200, 10_000);
        const pauseRecoveryMs = Date.now() - resumedAt;

        // Killed: connections drop; restarted on the same port and directory (AOF).
        await new Promise((r) => setTimeout(r, 800));
        const killedAt = Date.now();
        await redis.kill();
        await new Promise((r) => setTimeout(r, 2000));
        const whileDown = load.acked.answers.filter((a) => a.at > killedAt + 200);
        await redis.start();
        await waitFor(async () => (await probe()) === 200, 15_000);
        await new Promise((r) => setTimeout(r, 800));
        await load.stop();

        const { acked } = load;
        for (const outage of [duringPause, whileDown]) {
          expect(outage.length).toBeGreaterThan(0);
          for (const answer of outage) {
            expect([200, 201, 503]).toContain(answer.status);
            if (answer.status === 503) {
              expect(answer.retryAfter).toMatch(/^\d+$/);
              expect(answer.error).toBe('temporarily_unavailable');
            }
          }
          const refused = outage.filter((a) => a.status === 503);
          expect(refused.length).toBeGreaterThan(0);
          // About a second: the store's command timeout (1 s) plus scheduling headroom on a busy machine.
          expect(Math.max(...refused.map((a) => a.ms))).toBeLessThan(2500);
        }
        expect(acked.answers.some((a) => a.status === 401 || a.error === 'invalid_grant' || a.status >= 500 && a.status !== 503)).toBe(false);
        expect(pauseRecoveryMs).toBeLessThan(5000);
        await expectAllAcknowledgedWork(server.url, acked);
      } finally {
        await server.proc.stop();
        await redis.kill();
      }
    });
  });

  (haveRedis ? describe : describe.skip)('Redis over TLS with a password (rediss://)', () => {
    it('signs in and serves tools with the CA trusted, and refuses to start with a wrong password, in one line without it', async () => {
      const certs = makeTestCertificates();
      const password = `pw-${randomUUID()}`;
      const redis = new PrivateRedis({ password, tls: certs });
      await redis.start();
      const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'fault-tls-')), REDIS_KEY_PREFIX: `tls-${randomUUID()}:`, NODE_EXTRA_CA_CERTS: certs.ca };
      const server = await startServer({ ...(await portsEnv()), ...env, REDIS_URL: redis.url });
      try {
        expect(redis.url).toMatch(/^rediss:\/\/:pw-/);
        expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
        const [grant] = await newGrants(server.url, 1);
        expect(await mcpAccepts(server.url, grant!.accessToken)).toBe(200);
        const refreshed = await refreshTokens({ url: server.url }, grant!.client, grant!.refreshToken);
        expect(refreshed.status).toBe(200);
      } finally {
        await server.proc.stop();
      }
      // A wrong password is a configuration problem: the server says so at start, in one line, without the password.
      const wrong = spawnTs('src/main.ts', { NODE_ENV: 'test', ...(await portsEnv()), ...env, REDIS_URL: redis.url.replace(password, 'wrong-password') });
      try {
        expect(await wrong.exited).toBe(1);
        expect(wrong.stderr()).toMatch(/^Cannot start: Redis [a-z ]+ at rediss:\/\/localhost:\d+[: ]/m);
        expect(wrong.stderr()).not.toContain('wrong-password');
        expect(wrong.stderr()).not.toMatch(/^\s+at /m);
      } finally {
        await redis.kill();
      }
    });
  });

  const mountsAllowed = requireOrSkip('mounting a tmpfs', canMountTmpfs(), 'run as root with mount rights (CAP_SYS_ADMIN), e.g. a privileged container');
  (mountsAllowed ? describe : describe.skip)('DATA_DIR read-only or full (a small tmpfs of its own)', () => {
    let mountPoint: string;

    beforeEach(() => {
      mountPoint = mkdtempSync(join(tmpdir(), 'fault-mount-'));
    });

    afterEach(() => {
      try {
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      } catch {
        // not mounted
      }
      rmSync(mountPoint, { recursive: true, force: true });
    });

    it.each([
      ['the development signing key', {}, /^ {2}DATA_DIR: \/tmp\/\S+ is not writable \(EROFS\)/m],
      ['the SQLite file (signing key given)', { AUTH_SIGNING_KEY: 'k'.repeat(43) }, /^Cannot start: SQLite store cannot open \/tmp\/\S+\/state.sqlite: /m],
    ])('refuses to start on a read-only DATA_DIR (%s), with a clear line', async (_what, extra, message) => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,ro', 'tmpfs', mountPoint]);
      const proc = spawnTs('src/main.ts', { NODE_ENV: 'test', ...(await portsEnv()), DATA_DIR: mountPoint, ...extra });
      expect(await proc.exited).toBe(1);
      expect(proc.stderr()).toMatch(message);
    });

    it('answers 503 while DATA_DIR is full, recovers when space is freed, and loses nothing it acknowledged', async () => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint]);
      const dataDir = join(mountPoint, 'data');
      mkdirSync(dataDir);
      const env = { ...(await portsEnv()), DATA_DIR: dataDir };
      let server = await startServer(env);
      try {
        const grants = await newGrants(server.url, 2);
        const acked: Acknowledged = { clients: [], grants, answers: [] };
        const registerMany = async (count: number) => {
          for (let i = 0; i < count; i++) {
            const res = await record(acked, 'register', () =>
              fetch(`${server.url}/register`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ client_name: `fill ${i}`, client_uri: `https://example.com/${'x'.repeat(400)}`, redirect_uris: [`http://127.0.0.1:${2000 + i}/cb`], token_endpoint_auth_method: 'none' }),
              }),
            );
            if (res?.status === 201) acked.clients.push((await res.json()) as RegisteredTestClient);
          }
        };
        const refreshAll = async () => {
          for (const grant of grants) {
            const res = await record(acked, 'refresh', () => refreshTokens({ url: server.url }, grant.client, grant.refreshToken));
            if (res?.status === 200) {
              const tokens = (await res.json()) as TokenSet;
              grant.accessToken = tokens.access_token;
              grant.refreshToken = tokens.refresh_token!;
            }
          }
        };

        // Full: a filler file takes every free block of the tmpfs.
        try {
          execFileSync('dd', ['if=/dev/zero', `of=${join(mountPoint, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
        } catch {
          // dd stops with ENOSPC: that is the point
        }
        const fullFrom = acked.answers.length;
        await registerMany(200);
        await refreshAll();
        const whileFull = acked.answers.slice(fullFrom);
        expect(whileFull.some((a) => a.status === 503)).toBe(true);
        for (const answer of whileFull.filter((a) => a.status === 503)) expect([answer.error, answer.retryAfter]).toEqual(['temporarily_unavailable', '5']);
        rmSync(join(mountPoint, 'filler'));

        // Writable again: the same process recovers.
        await waitFor(async () => (await registerClient({ url: server.url }).then(() => true).catch(() => false)), 10_000);
        await refreshAll();
        expect(acked.answers.filter((a) => ![200, 201, 503].includes(a.status))).toEqual([]);

        await server.proc.stop();
        server = await startServer(env);
        await expectAllAcknowledgedWork(server.url, acked);
      } finally {
        await server.proc.stop();
      }
    });
  });
});

function canMountTmpfs(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

