import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { requireOrSkip } from '../../test/support/requirements';
import { RedisStore } from './redis.store';
import { describeStoreContract } from './store.contract';
import { StoreUnavailableError } from './store.port';
import { redisAnswersSync } from './testing/redis-probe';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const redisAvailable = requireOrSkip('Redis', redisAnswersSync(REDIS_URL), 'start redis-server or set REDIS_URL');
const describeWithRedis = redisAvailable ? describe : describe.skip;

/** Every key this run writes lives under this prefix (a shared Redis stays clean). */
const RUN_PREFIX = `mcp-test:${randomUUID()}:`;
let stores = 0;

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves with how long `promise` took to reject, and the rejection. */
async function timeRejection(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
  throw new Error('expected a rejection');
}

describeWithRedis('RedisStore against a live Redis', () => {
  afterAll(async () => {
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${RUN_PREFIX}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  describeStoreContract('Redis', () => new RedisStore({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}${++stores}:` }));

  it('writes under its key prefix only, so stores with different prefixes do not see each other', async () => {
    const a = new RedisStore({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}a:` });
    const b = new RedisStore({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}b:` });
    const admin = new Redis(REDIS_URL);
    try {
      await a.set('grant:1', 'from-a', 60_000);
      expect(await b.get('grant:1')).toBeNull();
      expect(await admin.get(`${RUN_PREFIX}a:grant:1`)).toBe('from-a');
      const ttl = await admin.pttl(`${RUN_PREFIX}a:grant:1`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await Promise.all([a.close(), b.close(), admin.quit()]);
    }
  });

  it('uses the prefix "mcp:" by default', async () => {
    const store = new RedisStore({ url: REDIS_URL });
    await store.close();
    expect(store.keyPrefix).toBe('mcp:');
  });
});

describe('RedisStore when Redis is unreachable', () => {
  const SECRET = 'pa55-never-in-messages';
  let url: string;
  let store: RedisStore;

  let warnings: jest.SpyInstance;

  beforeEach(async () => {
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    url = `redis://default:${SECRET}@127.0.0.1:${await deadPort()}/0`;
    store = new RedisStore({ url, keyPrefix: RUN_PREFIX });
  });

  afterEach(async () => {
    await store.close();
    warnings.mockRestore();
  });

  it.each([
    ['ping', () => store.ping()],
    ['get', () => store.get('k')],
    ['set', () => store.set('k', 'v', 1000)],
    ['delete', () => store.delete('k')],
    ['take', () => store.take('k')],
    ['compareAndSet', () => store.compareAndSet('k', null, 'v', 1000)],
  ])('%s rejects with StoreUnavailableError within about a second, naming the host but not the password', async (_, operation) => {
    const { ms, error } = await timeRejection(operation());
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(2000);
    const message = (error as Error).message;
    expect(message).toContain(`127.0.0.1:${new URL(url).port}`);
    expect(message).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(warnings).toHaveBeenCalledWith(expect.stringContaining('is unavailable'));
    expect(JSON.stringify(warnings.mock.calls)).not.toContain(SECRET);
  });

  it('logs the outage once, not once per failed attempt', async () => {
    await sleep(1200);
    expect(warnings).toHaveBeenCalledTimes(1);
  });

  it('keeps failing fast on repeated calls (no queue builds up, nothing hangs)', async () => {
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => store.get('k')));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailableError)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects on a server that accepts connections but never answers, instead of hanging', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hung = new RedisStore({ url: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`, keyPrefix: RUN_PREFIX });
    try {
      const { ms, error } = await timeRejection(hung.get('k'));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeLessThan(2000);
    } finally {
      await hung.close();
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('rejects with StoreUnavailableError once closed', async () => {
    await store.close();
    await expect(store.get('k')).rejects.toThrow(StoreUnavailableError);
  });
});

const redisServerBinary = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const describeWithRedisServer = requireOrSkip(
  'the redis-server binary',
  redisServerBinary,
  'install redis-server (apt-get install -y redis-server)',
)
  ? describe
  : describe.skip;

describeWithRedisServer('RedisStore across a Redis restart', () => {
  let server: ChildProcess | undefined;

  async function startRedis(port: number): Promise<void> {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 50; i++) {
      if (redisAnswersSync(`redis://127.0.0.1:${port}`, 1000)) return;
      await sleep(100);
    }
    throw new Error('redis-server did not start');
  }

  async function stopRedis(): Promise<void> {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await stopRedis();
  });

  it('fails fast while Redis is down and reconnects by itself when it is back', async () => {
    const port = await deadPort();
    await startRedis(port);
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: RUN_PREFIX });
    try {
      await store.set('k', 'before', 60_000);
      expect(await store.get('k')).toBe('before');

      await stopRedis();
      const { ms, error } = await timeRejection(store.get('k'));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeLessThan(2000);

      await startRedis(port);
      let reconnected = false;
      for (let i = 0; i < 50 && !reconnected; i++) {
        reconnected = await store.ping().then(
          () => true,
          () => false,
        );
        if (!reconnected) await sleep(100);
      }
      expect(reconnected).toBe(true);
      await store.set('k', 'after', 60_000);
      expect(await store.get('k')).toBe('after');
    } finally {
      await store.close();
    }
  }, 20_000);
});
