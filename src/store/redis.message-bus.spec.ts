import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireOrSkip } from '../../test/support/requirements';
import { describeMessageBusContract } from './message-bus.contract';
import { RedisMessageBus } from './redis.message-bus';
import { StoreUnavailableError } from './store.port';
import { redisAnswersSync } from './testing/redis-probe';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const describeWithRedis = requireOrSkip('Redis', redisAnswersSync(REDIS_URL), 'start redis-server or set REDIS_URL') ? describe : describe.skip;

/** Channels of this run only: a shared Redis may carry other runs' traffic. */
const RUN_PREFIX = `mcp-test:${randomUUID()}:`;

describeWithRedis('RedisMessageBus against a live Redis', () => {
  describeMessageBusContract('Redis', () => new RedisMessageBus({ url: REDIS_URL, keyPrefix: RUN_PREFIX }));

  it('keeps deployments with different key prefixes apart', async () => {
    const a = new RedisMessageBus({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}a:` });
    const b = new RedisMessageBus({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}b:` });
    try {
      await a.subscribe('sse:instance:x', () => undefined);
      expect(await b.publish('sse:instance:x', 'hello')).toBe(0);
      expect(await a.publish('sse:instance:x', 'hello')).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('RedisMessageBus without a Redis', () => {
  it('fails fast and clearly (StoreUnavailableError), never hangs', async () => {
    const port = await deadPort();
    const bus = new RedisMessageBus({ url: `redis://:s3cret@127.0.0.1:${port}`, timeoutMs: 300 });
    try {
      const started = Date.now();
      const error = await bus.publish('c', 'm').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(String((error as Error).message)).not.toContain('s3cret');
      expect(Date.now() - started).toBeLessThan(2_000);
      await expect(bus.subscribe('c', () => undefined)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await bus.close();
    }
  });
});

const redisServerBinary = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const describeWithRedisServer = requireOrSkip('the redis-server binary', redisServerBinary, 'install redis-server (apt-get install -y redis-server)') ? describe : describe.skip;

describeWithRedisServer('RedisMessageBus across a Redis restart', () => {
  let server: ChildProcess | undefined;

  async function startRedis(port: number): Promise<void> {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
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

  afterEach(stopRedis);

  it('renews its subscriptions by itself once Redis is back: a blip does not cut an instance off for good', async () => {
    const port = await deadPort();
    await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const [listener, publisher] = [new RedisMessageBus({ url, keyPrefix: RUN_PREFIX }), new RedisMessageBus({ url, keyPrefix: RUN_PREFIX })];
    try {
      const heard: string[] = [];
      await listener.subscribe('sse:instance:x', (message) => heard.push(message));
      expect(await publisher.publish('sse:instance:x', 'before')).toBe(1);

      await stopRedis();
      await expect(publisher.publish('sse:instance:x', 'during')).rejects.toBeInstanceOf(StoreUnavailableError);
      await startRedis(port);

      let listeners = 0;
      for (let i = 0; i < 50 && listeners === 0; i++) {
        await sleep(100);
        listeners = await publisher.publish('sse:instance:x', 'after').catch(() => 0);
      }
      expect(listeners).toBe(1);
      for (let i = 0; i < 20 && !heard.includes('after'); i++) await sleep(50);
      expect(heard).toEqual(expect.arrayContaining(['before', 'after']));
      expect(heard).not.toContain('during');
    } finally {
      await Promise.all([listener.close(), publisher.close()]);
    }
  });
});
