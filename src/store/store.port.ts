/**
 * The one storage port for all server state (registrations, consent state, codes,
 * grants, tokens, sessions). Keys are namespaced strings (`grant:<id>`); values are
 * strings (JSON, usually via `JsonStore`). Every write carries a TTL in
 * milliseconds; expired entries are invisible to every operation.
 *
 * Adapters: SQLite (default, durable), Redis (several instances), memory (unit tests).
 */
/** One value to write, with its TTL in milliseconds (see `Store.compareAndSet`). */
export interface StoreEntry {
  key: string;
  value: string;
  ttlMs: number;
}

export abstract class Store {
  /** Writes `value` under `key`, replacing any previous value, for `ttlMs` milliseconds. */
  abstract set(key: string, value: string, ttlMs: number): Promise<void>;
  /** The live value under `key`, or null. */
  abstract get(key: string): Promise<string | null>;
  /** Deletes `key`; true if a live value was there. */
  abstract delete(key: string): Promise<boolean>;
  /** Atomic read-and-delete: of many concurrent callers, exactly one gets the value. */
  abstract take(key: string): Promise<string | null>;
  /**
   * Atomically replaces the value under `key` with `next` (TTL `ttlMs`) if the current
   * live value equals `expected` (`null` = absent, i.e. set-if-absent). True if it did.
   * `alsoWrite` entries are set (like `set`) in the same atomic step when, and only when, the
   * swap happens: nobody sees the swap without them, and a failed swap writes nothing.
   */
  abstract compareAndSet(key: string, expected: string | null, next: string, ttlMs: number, alsoWrite?: readonly StoreEntry[]): Promise<boolean>;
  /**
   * Atomically adds one to the counter under `key` and returns the new count with the
   * counter's expiry (epoch ms). An absent or expired counter starts at 1 with a TTL of
   * `windowMs`; later increments keep that expiry (a fixed window, for rate limits).
   */
  abstract increment(key: string, windowMs: number): Promise<{ count: number; expiresAt: number }>;
  /** Throws StoreUnavailableError when the backing store cannot be reached. */
  abstract ping(): Promise<void>;
  /** Releases connections and timers. */
  abstract close(): Promise<void>;
  /** What this store is, for the start-up log (no credentials). */
  describe(): string {
    return 'in memory (state is lost on restart)';
  }
}

/** The backing store cannot be reached (Redis down, disk gone): requests get 503. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
