import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Store, StoreEntry, StoreUnavailableError } from './store.port';
import { expiryFrom } from './ttl';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. Never logged or echoed with its password. */
  url: string;
  /** Prepended to every key, so several deployments or test runs can share one Redis. Default `mcp:`. */
  keyPrefix?: string;
  /** Per-command timeout. Default 1000 ms. */
  commandTimeoutMs?: number;
  /** TCP connect timeout, and how long a command waits for a (re)connection before failing. Default 1000 ms. */
  connectTimeoutMs?: number;
}

/**
 * Compare-and-set in one atomic script. KEYS[1]: the key compared; KEYS[2…]: keys written
 * too when the swap happens. ARGV: mode (`absent` = set-if-absent, `equals`), expected value,
 * next value, TTL in ms (<= 0: the value expires at once, so it is deleted), then a value and
 * a TTL for each further key.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'absent' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
for i = 1, #KEYS do
  local value, ttl
  if i == 1 then value, ttl = ARGV[3], ARGV[4] else value, ttl = ARGV[2 * i + 1], ARGV[2 * i + 2] end
  if tonumber(ttl) > 0 then
    redis.call('SET', KEYS[i], value, 'PX', ttl)
  else
    redis.call('DEL', KEYS[i])
  end
end
return 1
`;

/** Fixed-window counter: INCR, and the window's TTL set by the increment that created it. Returns [count, pttl]. */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

type RedisWithScripts = Redis & {
  mcpIncrement(key: string, windowMs: number): Promise<[number, number]>;
  /** The number of keys first (the script takes KEYS[1] and the written keys), then the keys, then ARGV. */
  mcpCompareAndSet(...args: (string | number)[]): Promise<number>;
};

/**
 * Redis adapter (ioredis), for several server instances sharing state.
 *
 * An outage must be a fast, clear error, never a hang: ioredis would queue commands while
 * disconnected and retry them for a long time by default, so the offline queue is off,
 * retries per command are few, every command has a timeout, and a command issued while
 * (re)connecting waits at most `connectTimeoutMs` for the connection. Failures surface as
 * `StoreUnavailableError` (HTTP 503, readiness red); the client keeps reconnecting by itself.
 */
export class RedisStore extends Store {
  override describe(): string {
    return `Redis at ${this.target} (key prefix "${this.keyPrefix}")`;
  }

  static readonly DEFAULT_KEY_PREFIX = 'mcp:';

  /** The Redis target without credentials, e.g. `redis://cache.internal:6379`: safe to log. */
  readonly target: string;
  readonly keyPrefix: string;
  private readonly logger = new Logger(RedisStore.name);
  private readonly client: RedisWithScripts;
  private readonly connectTimeoutMs: number;
  private readonly secrets: string[];
  private readyWaiter?: Promise<void>;
  private lastProblem = 'not connected yet';
  private down = false;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    super();
    this.keyPrefix = options.keyPrefix ?? RedisStore.DEFAULT_KEY_PREFIX;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    const { target, secrets } = describeRedisUrl(options.url);
    this.target = target;
    this.secrets = secrets;
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: this.connectTimeoutMs,
      // Keep reconnecting (never give up), backing off to one attempt per 2 s.
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    }) as RedisWithScripts;
    this.client.defineCommand('mcpCompareAndSet', { lua: COMPARE_AND_SET });
    this.client.defineCommand('mcpIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.client.on('error', (error: Error) => {
      this.lastProblem = this.redact(error.message);
      if (!this.down && !this.closed) this.logger.warn(`Redis at ${this.target} is unavailable: ${this.lastProblem}`);
      this.down = true;
    });
    this.client.on('ready', () => {
      if (this.down) this.logger.log(`Redis at ${this.target} is reachable again`);
      this.down = false;
    });
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const ttl = expiryFrom(0, ttlMs);
    // A value whose TTL has already run out is gone at once: Redis refuses PX <= 0.
    if (ttl > 0) await this.call('SET', () => this.client.set(this.k(key), value, 'PX', ttl));
    else await this.call('DEL', () => this.client.del(this.k(key)));
  }

  async get(key: string): Promise<string | null> {
    return this.call('GET', () => this.client.get(this.k(key)));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.call('DEL', () => this.client.del(this.k(key)))) === 1;
  }

  async take(key: string): Promise<string | null> {
    return this.call('GETDEL', () => this.client.getdel(this.k(key)));
  }

  async compareAndSet(key: string, expected: string | null, next: string, ttlMs: number, alsoWrite: readonly StoreEntry[] = []): Promise<boolean> {
    const ttl = expiryFrom(0, ttlMs);
    const mode = expected === null ? 'absent' : 'equals';
    const keys = [this.k(key), ...alsoWrite.map((entry) => this.k(entry.key))];
    const values = alsoWrite.flatMap((entry) => [entry.value, expiryFrom(0, entry.ttlMs)]);
    const result = await this.call('compare-and-set', () =>
      this.client.mcpCompareAndSet(keys.length, ...keys, mode, expected ?? '', next, ttl, ...values),
    );
    return result === 1;
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; expiresAt: number }> {
    const window = Math.max(1, expiryFrom(0, windowMs));
    const [count, pttl] = await this.call('INCREMENT', () => this.client.mcpIncrement(this.k(key), window));
    return { count, expiresAt: Date.now() + Math.max(0, pttl) };
  }

  async ping(): Promise<void> {
    await this.call('PING', () => this.client.ping());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // Fall through: drop the connection without the goodbye.
      }
    }
    this.client.disconnect();
  }

  private k(key: string): string {
    return this.keyPrefix + key;
  }

  /** Runs one command once connected; any failure is the store being unavailable. */
  private async call<T>(command: string, run: () => Promise<T>): Promise<T> {
    await this.connected();
    try {
      return await run();
    } catch (error) {
      const reason = this.redact(error instanceof Error ? error.message : String(error));
      // No `cause`: ioredis errors may carry the command's arguments, i.e. stored values.
      throw new StoreUnavailableError(`Redis store at ${this.target}: ${command} failed: ${reason}`);
    }
  }

  private async connected(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError(`Redis store at ${this.target} is closed`);
    if (this.client.status === 'ready') return;
    this.readyWaiter ??= new Promise<void>((resolve) =>
      this.client.once('ready', () => {
        this.readyWaiter = undefined;
        resolve();
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`Redis store at ${this.target} is unavailable: ${this.lastProblem}`)),
        this.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([this.readyWaiter, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private redact(message: string): string {
    return this.secrets.reduce((text, secret) => text.split(secret).join('***'), message);
  }
}

/** The URL without credentials, and the credentials to scrub from any message. */
export function describeRedisUrl(url: string): { target: string; secrets: string[] } {
  try {
    const parsed = new URL(url);
    const secrets = [parsed.password, safeDecode(parsed.password)].filter((s) => s.length > 0);
    return { target: `${parsed.protocol}//${parsed.host}`, secrets };
  } catch {
    return { target: 'redis (unparsable URL)', secrets: [] };
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
