import { Store, StoreEntry } from './store.port';

/** Typed JSON access to one key namespace of the store (`<namespace>:<id>`). */
export class JsonStore<T> {
  constructor(
    private readonly store: Store,
    readonly namespace: string,
  ) {}

  key(id: string): string {
    return `${this.namespace}:${id}`;
  }

  async get(id: string): Promise<T | null> {
    const raw = await this.store.get(this.key(id));
    return raw === null ? null : (JSON.parse(raw) as T);
  }

  set(id: string, value: T, ttlMs: number): Promise<void> {
    return this.store.set(this.key(id), JSON.stringify(value), ttlMs);
  }

  delete(id: string): Promise<boolean> {
    return this.store.delete(this.key(id));
  }

  async take(id: string): Promise<T | null> {
    const raw = await this.store.take(this.key(id));
    return raw === null ? null : (JSON.parse(raw) as T);
  }

  /** Set-if-absent. */
  create(id: string, value: T, ttlMs: number): Promise<boolean> {
    return this.store.compareAndSet(this.key(id), null, JSON.stringify(value), ttlMs);
  }

  /**
   * Replaces `expected` (as read by `getRaw`) with `next`; false if someone else changed it first.
   * `alsoWrite` (see `entry`) is written in the same atomic step, only if the replacement happens.
   */
  replace(id: string, expectedRaw: string, next: T, ttlMs: number, alsoWrite?: readonly StoreEntry[]): Promise<boolean> {
    return this.store.compareAndSet(this.key(id), expectedRaw, JSON.stringify(next), ttlMs, alsoWrite);
  }

  /** A write of `value` under `id`, for `replace(…, alsoWrite)` of this or another namespace. */
  entry(id: string, value: T, ttlMs: number): StoreEntry {
    return { key: this.key(id), value: JSON.stringify(value), ttlMs };
  }

  /** The stored JSON text, for a later compare-and-set with `replace`. */
  async getRaw(id: string): Promise<{ value: T; raw: string } | null> {
    const raw = await this.store.get(this.key(id));
    return raw === null ? null : { value: JSON.parse(raw) as T, raw };
  }
}
