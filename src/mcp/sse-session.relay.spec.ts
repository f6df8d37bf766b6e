import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { requireOrSkip } from '../../test/support/requirements';
import { AppConfig } from '../config/app-config';
import { SigningKeysService } from '../config/signing-keys.service';
import { entraAssertionOf, UserContext, withEntraAssertion } from '../shared/user-context';
import { InProcessMessageBus } from '../store/in-process.message-bus';
import { MemoryStore } from '../store/memory.store';
import { MessageBus } from '../store/message-bus.port';
import { RedisMessageBus } from '../store/redis.message-bus';
import { RedisStore } from '../store/redis.store';
import { Store, StoreUnavailableError } from '../store/store.port';
import { redisAnswersSync } from '../store/testing/redis-probe';
import { McpOptions } from './mcp.options';
import { LocalSseDelivery, SseSessionRelay } from './sse-session.relay';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const redisAvailable = requireOrSkip('Redis', redisAnswersSync(REDIS_URL), 'start redis-server or set REDIS_URL');

const OPTIONS: McpOptions = { keepAliveMs: 25_000, grantCheckMs: 20_000, sseOwnershipTtlMs: 300, sseDeliveryTimeoutMs: 400 };

const adele: UserContext = { oid: 'oid-adele', tid: 't', name: 'Adele Vance', preferredUsername: 'adele', clientId: 'c', scopes: ['mcp:tools'], grantId: 'grant-adele', roles: [], groups: [] };
const megan: UserContext = { ...adele, oid: 'oid-megan', name: 'Megan Bowen', grantId: 'grant-megan' };
const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
/** Every instance derives the same keys from the shared AUTH_SIGNING_KEY. */
const KEYS = new SigningKeysService({ signingKey: Buffer.alloc(32, 7) } as AppConfig);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An instance of the server as far as SSE is concerned: its relay, and the messages its sessions took. */
interface Instance {
  relay: SseSessionRelay;
  /** The shared store, as this instance sees it. */
  store: Store;
  received: { sessionId: string; user: UserContext; message: unknown }[];
  /** What the instance's sessions answer (default: they take every message for a session they hold). */
  local: LocalSseDelivery;
  stop(): Promise<void>;
}

/**
 * Two instances sharing a store and a message bus, as with REDIS_URL: `backends` gives each
 * instance its own handles (for Redis, its own connections).
 */
function describeRelay(name: string, backends: () => { store: Store; bus: MessageBus; close(): Promise<void> }, available = true): void {
  (available ? describe : describe.skip)(`SseSessionRelay (${name})`, () => {
    const instances: Instance[] = [];

    async function start(): Promise<Instance> {
      const { store, bus, close } = backends();
      const relay = new SseSessionRelay(store, bus, OPTIONS, KEYS);
      const instance: Instance = {
        relay,
        store,
        received: [],
        local: async (sessionId, user, message) => {
          instance.received.push({ sessionId, user, message });
          return 'accepted';
        },
        async stop() {
          await relay.onModuleDestroy();
          await close();
        },
      };
      relay.serveLocally((sessionId, user, message) => instance.local(sessionId, user, message));
      await relay.onModuleInit();
      instances.push(instance);
      return instance;
    }

    beforeAll(() => Logger.overrideLogger(false));
    afterEach(async () => {
      await Promise.all(instances.splice(0).map((instance) => instance.stop().catch(() => undefined)));
    });

    it("carries a direct-mode caller's Entra token to the session's instance sealed, never in clear on the bus", async () => {
      const [owner, other] = [await start(), await start()];
      const sessionId = randomUUID();
      await owner.relay.claim(sessionId, { grantId: adele.grantId, oid: adele.oid });
      const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJzY3AiOiJhY2Nlc3NfYXNfdXNlciJ9.c2lnbmF0dXJl';
      const published: string[] = [];
      const publish = other.relay['bus'].publish.bind(other.relay['bus']);
      jest.spyOn(other.relay['bus'], 'publish').mockImplementation(async (channel: string, text: string) => (published.push(text), publish(channel, text)));

      expect(await other.relay.deliver(sessionId, withEntraAssertion({ ...adele }, assertion), ping)).toBe('accepted');

      expect(entraAssertionOf(owner.received[0]!.user)).toBe(assertion);
      expect(published.join('\n')).not.toContain(assertion);
    });

    it('delivers a message for a session held by another instance there, as the requesting user, and reports it accepted', async () => {
      const [owner, other] = [await start(), await start()];
      const sessionId = randomUUID();
      await owner.relay.claim(sessionId, { grantId: adele.grantId, oid: adele.oid });

      expect(await other.relay.deliver(sessionId, adele, ping)).toBe('accepted');

      expect(owner.received).toEqual([{ sessionId, user: adele, message: ping }]);
      expect(other.received).toEqual([]);
    });

    it('answers "not found" for an unknown session, and for another grant\'s session without bothering its owner', async () => {
      const [owner, other] = [await start(), await start()];
      const sessionId = randomUUID();
      await owner.relay.claim(sessionId, { grantId: adele.grantId, oid: adele.oid });

      expect(await other.relay.deliver(randomUUID(), adele, ping)).toBe('not-found');
      expect(await other.relay.deliver(sessionId, megan, ping)).toBe('not-found');
      expect(await other.relay.deliver(sessionId, { ...adele, oid: 'someone-else' }, ping)).toBe('not-found');
      expect(owner.received).toEqual([]);
    });

    it('passes on the owner\'s own answer when the session has just closed there', async () => {
      const [owner, other] = [await start(), await start()];
      owner.local = async () => 'not-found';
      const sessionId = randomUUID();
      await owner.relay.claim(sessionId, { grantId: adele.grantId, oid: adele.oid });

      expect(await other.relay.deliver(sessionId, adele, ping)).toBe('not-found');
    });

    it('answers "not found" at once when the owner is gone (nobody listens on its channel), and forgets its record', async () => {
      const [owner, other] = [await start(), await start()];
      const sessionId = randomUUID();
      await owner.relay.claim(sessionId, { grantId: adele.grantId, oid: adele.oid });
      // The owner's process dies: its bus connection ends, its records stay behind until their TTL.
      await owner.relay.onModuleDestroy();

      const started = Date.now();
      expect(await other.relay.deliver(sessionId, adele, ping)).toBe('not-found');
      expect(Date.now() - started).toBeLessThan(OPTIONS.sseDeliveryTimeoutMs);
      expect(await other.store.get(`sse-session:${sessionId}`)).toBeNull();
    });

    it('gives up after the delivery timeout when the owner listens but does not answer', async () => {
      const [owner, other] = [await start(), await start()];
      owner.local = () => new Promise(() => undefined);
      const sessionId = randomUUID();
      await owner.relay.claim(sessionId, { grantId: adele.grantId, oid: adele.oid });

      const started = Date.now();
      expect(await other.relay.deliver(sessionId, adele, ping)).toBe('timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(OPTIONS.sseDeliveryTimeoutMs - 20);
    });

    it('keeps the ownership record alive while the session is open, and drops it on release', async () => {
      const [owner, other] = [await start(), await start()];
      const sessionId = randomUUID();
      await owner.relay.claim(sessionId, { grantId: adele.grantId, oid: adele.oid });

      await sleep(OPTIONS.sseOwnershipTtlMs * 2);
      expect(await other.store.get(`sse-session:${sessionId}`)).not.toBeNull();
      expect(await other.relay.deliver(sessionId, adele, ping)).toBe('accepted');

      await owner.relay.release(sessionId);
      expect(await other.relay.deliver(sessionId, adele, ping)).toBe('not-found');
      expect(owner.received).toHaveLength(1);
    });

    it('lets the record of an owner that stopped refreshing it expire after the TTL', async () => {
      const [owner, other] = [await start(), await start()];
      const sessionId = randomUUID();
      await owner.relay.claim(sessionId, { grantId: adele.grantId, oid: adele.oid });
      // The owner's process dies without a word: nothing refreshes its record any more.
      await owner.relay.onModuleDestroy();

      expect(await other.store.get(`sse-session:${sessionId}`)).not.toBeNull();
      await sleep(OPTIONS.sseOwnershipTtlMs + 100);
      expect(await other.store.get(`sse-session:${sessionId}`)).toBeNull();
      const started = Date.now();
      expect(await other.relay.deliver(sessionId, adele, ping)).toBe('not-found');
      expect(Date.now() - started).toBeLessThan(OPTIONS.sseDeliveryTimeoutMs);
    });
  });
}

const sharedStore = new MemoryStore();
const sharedBus = new InProcessMessageBus();
describeRelay('in-process bus, memory store', () => {
  // One bus and store for all instances; each instance's subscriptions end with its relay.
  return { store: sharedStore, bus: sharedBus, close: async () => undefined };
});

const RUN_PREFIX = `mcp-test:${randomUUID()}:`;
describeRelay(
  'Redis pub/sub and store',
  () => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix: RUN_PREFIX });
    const bus = new RedisMessageBus({ url: REDIS_URL, keyPrefix: RUN_PREFIX });
    return { store, bus, close: async () => void (await Promise.all([store.close(), bus.close()])) };
  },
  redisAvailable,
);

describe('SseSessionRelay when the message bus is down at start', () => {
  /** An in-process bus that refuses subscriptions until `up` is set, as Redis does during an outage. */
  class FlakyBus extends InProcessMessageBus {
    up = false;
    override async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
      if (!this.up) throw new StoreUnavailableError('Redis message bus at redis://127.0.0.1:1: SUBSCRIBE failed: not connected');
      return super.subscribe(channel, handler);
    }
  }

  beforeAll(() => Logger.overrideLogger(false));

  it('still starts (so health and readiness can answer), and subscribes once the bus is back', async () => {
    const store = new MemoryStore();
    const bus = new FlakyBus();
    const owner = new SseSessionRelay(store, bus, OPTIONS, KEYS);
    const other = new SseSessionRelay(store, bus, OPTIONS, KEYS);
    const received: unknown[] = [];
    owner.serveLocally(async (_sessionId, _user, message) => {
      received.push(message);
      return 'accepted';
    });
    try {
      await expect(owner.onModuleInit()).resolves.toBeUndefined();
      bus.up = true;
      await other.onModuleInit();
      await owner.claim('session-1', { grantId: adele.grantId, oid: adele.oid });
      const deadline = Date.now() + 5000;
      let outcome = await other.deliver('session-1', adele, ping);
      while (outcome !== 'accepted' && Date.now() < deadline) {
        await sleep(100);
        outcome = await other.deliver('session-1', adele, ping);
      }
      expect(outcome).toBe('accepted');
      expect(received).toEqual([ping]);
    } finally {
      await owner.onModuleDestroy();
      await other.onModuleDestroy();
    }
  });
});
