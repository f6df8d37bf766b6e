import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
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

describe('RedisMessageBus without a Redis', () => {
  it('fails fast and clearly (StoreUnavailableError), never hangs', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
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
