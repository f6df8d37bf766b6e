import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { MessageBus } from './message-bus.port';
import { describeRedisUrl, RedisStore } from './redis.store';
import { StoreUnavailableError } from './store.port';

export interface RedisMessageBusOptions {
  /** `redis://…` or `rediss://…`; never logged with its password. */
  url: string;
  /** Prepended to every channel name (as RedisStore does to keys). Default `mcp:`. */
  keyPrefix?: string;
  /** Per-command and connect timeout. Default 1000 ms. */
  timeoutMs?: number;
}

/**
 * Redis pub/sub (PUBLISH / SUBSCRIBE) between instances. A subscribing connection can do
 * nothing else, so there are two: one subscribes, one publishes. As with RedisStore, an outage
 * is a fast error (no offline queue, command timeouts), the connections keep reconnecting, and
 * ioredis renews the subscriptions after a reconnect. PUBLISH answers how many subscribed
 * connections received the message: one per instance here (an instance subscribes to a
 * channel once and fans out locally).
 */
export class RedisMessageBus extends MessageBus {
  readonly target: string;
  private readonly logger = new Logger(RedisMessageBus.name);
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly secrets: string[];
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private closed = false;

  constructor(options: RedisMessageBusOptions) {
    super();
    this.prefix = options.keyPrefix ?? RedisStore.DEFAULT_KEY_PREFIX;
    this.timeoutMs = options.timeoutMs ?? 1000;
    const { target, secrets } = describeRedisUrl(options.url);
    this.target = target;
    this.secrets = secrets;
    const common: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.timeoutMs,
      connectTimeout: this.timeoutMs,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    };
    this.publisher = new Redis(options.url, common);
    this.subscriber = new Redis(options.url, { ...common, autoResubscribe: true });
    // RedisStore reports outages; here they only need to be kept off the unhandled-error path.
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const handler of [...(this.handlers.get(channel) ?? [])]) {
        try {
          handler(message);
        } catch (error) {
          this.logger.warn({ msg: 'A message handler failed', error: error instanceof Error ? error.name : typeof error });
        }
      }
    });
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const name = this.prefix + channel;
    const subscriber = (message: string) => handler(message);
    let handlers = this.handlers.get(name);
    if (!handlers) {
      handlers = new Set();
      this.handlers.set(name, handlers);
      try {
        await this.run('SUBSCRIBE', this.subscriber, () => this.subscriber.subscribe(name));
      } catch (error) {
        this.handlers.delete(name);
        throw error;
      }
    }
    handlers.add(subscriber);
    return async () => {
      handlers.delete(subscriber);
      if (handlers.size > 0 || this.handlers.get(name) !== handlers) return;
      this.handlers.delete(name);
      if (!this.closed && this.subscriber.status === 'ready') await this.subscriber.unsubscribe(name).catch(() => undefined);
    };
  }

  async publish(channel: string, message: string): Promise<number> {
    return this.run('PUBLISH', this.publisher, () => this.publisher.publish(this.prefix + channel, message));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    await Promise.all(
      [this.subscriber, this.publisher].map(async (connection) => {
        if (connection.status === 'ready') {
          try {
            await connection.quit();
            return;
          } catch {
            // Fall through: drop the connection without the goodbye.
          }
        }
        connection.disconnect();
      }),
    );
  }

  private async run<T>(command: string, connection: Redis, call: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(`Redis message bus at ${this.target} is closed`);
    try {
      await this.ready(connection);
      return await call();
    } catch (error) {
      const reason = this.redact(error instanceof Error ? error.message : String(error));
      throw new StoreUnavailableError(`Redis message bus at ${this.target}: ${command} failed: ${reason}`);
    }
  }

  /** Waits up to the timeout for the connection to be usable. */
  private async ready(connection: Redis): Promise<void> {
    if (connection.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        onReady = resolve;
        connection.once('ready', onReady);
        timer = setTimeout(() => reject(new Error('not connected')), this.timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      if (onReady) connection.off('ready', onReady);
    }
  }

  private redact(message: string): string {
    return this.secrets.reduce((text, secret) => text.split(secret).join('***'), message);
  }
}
