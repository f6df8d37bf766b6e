import { Store, StoreEntry } from './store.port';
import { expiryFrom } from './ttl';

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-process store for unit tests. Operations are synchronous inside, hence atomic. */
export class MemoryStore extends Store {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: expiryFrom(this.now(), ttlMs) });
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async compareAndSet(key: string, expected: string | null, next: string, ttlMs: number, alsoWrite: readonly StoreEntry[] = []): Promise<boolean> {
    const current = this.live(key)?.value ?? null;
    if (current !== expected) return false;
    const now = this.now();
    const writes = [{ key, value: next, expiresAt: expiryFrom(now, ttlMs) }, ...alsoWrite.map((e) => ({ key: e.key, value: e.value, expiresAt: expiryFrom(now, e.ttlMs) }))];
    for (const write of writes) this.entries.set(write.key, { value: write.value, expiresAt: write.expiresAt });
    return true;
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; expiresAt: number }> {
    const entry = this.live(key);
    const next = entry ? { value: String(Number(entry.value) + 1), expiresAt: entry.expiresAt } : { value: '1', expiresAt: expiryFrom(this.now(), windowMs) };
    this.entries.set(key, next);
    return { count: Number(next.value), expiresAt: next.expiresAt };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
  }
}
