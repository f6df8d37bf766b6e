import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { Store, StoreEntry, StoreUnavailableError } from './store.port';
import { expiryFrom } from './ttl';

export interface SqliteStoreOptions {
  /** Directory of the database file; created if missing. */
  dataDir: string;
  /** File name inside `dataDir`. Default `state.sqlite`. */
  fileName?: string;
  /** How often expired rows are deleted. Default 60 s. */
  sweepIntervalMs?: number;
  /** How long a write waits for another connection's write lock. Default 5 s. */
  busyTimeoutMs?: number;
  /** Flushes the write-ahead log to disk (`fdatasync` of its descriptor); replaceable in tests. */
  syncLog?: (fd: number) => Promise<void>;
}

const fdatasyncAsync = (fd: number) => new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

/**
 * The default adapter: one durable SQLite file (better-sqlite3, WAL mode).
 *
 * Several server processes may open the same file, so every operation is a single
 * statement (`DELETE … RETURNING`, conditional `UPDATE`, `INSERT … ON CONFLICT DO
 * UPDATE … WHERE`): SQLite runs each under the database write lock, which makes
 * `take` and `compareAndSet` atomic across connections, not only within this process.
 * A `compareAndSet` with further writes is one `BEGIN IMMEDIATE` transaction (write lock
 * first, then the conditional statement and the writes, committed together).
 * Expired rows are filtered out by every read and deleted periodically.
 *
 * Durability: a write resolves only once the write-ahead log holding it is on disk. SQLite runs
 * with `synchronous = NORMAL` (no fsync inside the statement, which would block the event loop)
 * and this class then `fdatasync`s the log in the thread pool, one sync covering every write
 * committed before it started, so concurrent writes share it. If a sync fails (I/O error, the
 * file system turned read-only under us), what was committed since the last good sync may never
 * reach the disk, is still visible to this connection, and the kernel reports the failure only
 * once: the store then refuses every operation, reads included (StoreUnavailableError, so 503),
 * until the process is restarted. A read of a key whose latest commit is not on disk yet waits
 * for the sync that puts it there, so no answer is built on such data (a retried refresh
 * returning a rotated pair, for one); other reads do not wait. `getForUpdate` never waits: the
 * compareAndSet that follows does, and a key many requests update at once (an index) would
 * otherwise see one successful swap per sync. Commits of other processes sharing the file are
 * not tracked: each process waits for its own writes before acknowledging them.
 */
export class SqliteStore extends Store {
  override describe(): string {
    return `SQLite at ${this.file}`;
  }

  static readonly DEFAULT_FILE_NAME = 'state.sqlite';

  readonly file: string;
  private readonly logger = new Logger(SqliteStore.name);
  private readonly db: Database.Database;
  private readonly sweepTimer: NodeJS.Timeout;
  /** compareAndSet with writes on success, in one write transaction (BEGIN IMMEDIATE). */
  private readonly swapAndWrite: Database.Transaction<(key: string, expected: string | null, next: string, expiresAt: number, now: number, alsoWrite: readonly { key: string; value: string; expiresAt: number }[]) => boolean>;
  private readonly logFd: number;
  private readonly syncLog: (fd: number) => Promise<void>;
  /** A sync that has not started yet: writes committed now join it. */
  private nextSync: Promise<void> | undefined;
  /** The keys written by the commits `nextSync` will cover. */
  private nextSyncKeys: string[] = [];
  private runningSync: Promise<void> | undefined;
  /** Keys whose latest commit is not on disk yet, with the sync that will put it there. */
  private readonly unsynced = new Map<string, Promise<void>>();
  /** Set once a sync failed: every operation is refused from then on. */
  private failure: StoreUnavailableError | undefined;
  private readonly statements: {
    set: Database.Statement<[string, string, number]>;
    get: Database.Statement<[string, number], { value: string }>;
    delete: Database.Statement<[string], { expires_at: number }>;
    take: Database.Statement<[string], { value: string; expires_at: number }>;
    insertIfAbsent: Database.Statement<[string, string, number, number]>;
    replace: Database.Statement<[string, number, string, string, number]>;
    increment: Database.Statement<[{ key: string; expiresAt: number; now: number }], { value: string; expires_at: number }>;
    ping: Database.Statement<[]>;
    sweep: Database.Statement<[number]>;
  };

  constructor(options: SqliteStoreOptions) {
    super();
    this.file = join(options.dataDir, options.fileName ?? SqliteStore.DEFAULT_FILE_NAME);
    try {
      mkdirSync(options.dataDir, { recursive: true });
      this.db = new Database(this.file, { timeout: options.busyTimeoutMs ?? 5000 });
      this.db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL survives a process crash; only an OS crash or power loss may lose the last commits.
      this.db.pragma('synchronous = NORMAL');
      // Checkpoints stay at SQLite's default (every 1,000 pages of log): with 10,000, test/faults.e2e-spec.ts
      // lost an acknowledged token after an ext4 error in one run of three (the cause is not understood yet).
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS kv (
          key TEXT PRIMARY KEY NOT NULL,
          value TEXT NOT NULL,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS kv_expires_at ON kv (expires_at);
      `);
      this.statements = {
        set: this.db.prepare(
          `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
        ),
        get: this.db.prepare('SELECT value FROM kv WHERE key = ? AND expires_at > ?'),
        delete: this.db.prepare('DELETE FROM kv WHERE key = ? RETURNING expires_at'),
        take: this.db.prepare('DELETE FROM kv WHERE key = ? RETURNING value, expires_at'),
        // Set-if-absent: an expired row counts as absent and is overwritten.
        insertIfAbsent: this.db.prepare(
          `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
           WHERE kv.expires_at <= ?`,
        ),
        replace: this.db.prepare('UPDATE kv SET value = ?, expires_at = ? WHERE key = ? AND value = ? AND expires_at > ?'),
        // One statement: a live counter gains one and keeps its expiry; an expired one restarts at 1.
        increment: this.db.prepare(
          `INSERT INTO kv (key, value, expires_at) VALUES (@key, '1', @expiresAt)
           ON CONFLICT (key) DO UPDATE SET
             value = CASE WHEN kv.expires_at > @now THEN CAST(CAST(kv.value AS INTEGER) + 1 AS TEXT) ELSE '1' END,
             expires_at = CASE WHEN kv.expires_at > @now THEN kv.expires_at ELSE excluded.expires_at END
           RETURNING value, expires_at`,
        ),
        ping: this.db.prepare(`INSERT INTO kv (key, value, expires_at) VALUES ('store:ping', '', 0) ON CONFLICT (key) DO UPDATE SET expires_at = 0`),
        sweep: this.db.prepare('DELETE FROM kv WHERE expires_at <= ?'),
      };
      const { set, insertIfAbsent, replace } = this.statements;
      this.swapAndWrite = this.db.transaction((key, expected, next, expiresAt, now, alsoWrite) => {
        const swapped = expected === null ? insertIfAbsent.run(key, next, expiresAt, now) : replace.run(next, expiresAt, key, expected, now);
        if (swapped.changes !== 1) return false;
        for (const entry of alsoWrite) set.run(entry.key, entry.value, entry.expiresAt);
        return true;
      });
      // Opened now, before any failure: the kernel reports a failed write-back to descriptors opened before it.
      this.logFd = openSync(`${this.file}-wal`, 'r');
      // The names of a new database and its log must be on disk too, not only their contents.
      const dirFd = openSync(options.dataDir, 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    } catch (error) {
      throw new StoreUnavailableError(`SQLite store cannot open ${this.file}: ${describe(error)}`, { cause: error });
    }
    this.syncLog = options.syncLog ?? fdatasyncAsync;
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweepTimer.unref();
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const expiresAt = expiryFrom(Date.now(), ttlMs);
    this.run(() => this.statements.set.run(key, value, expiresAt));
    await this.durable([key]);
  }

  async get(key: string): Promise<string | null> {
    const value = this.read(key);
    // Another request's commit of this key may still be on its way to the disk: answer from it only once it is there.
    const pending = this.unsynced.get(key);
    if (pending) await pending;
    return value;
  }

  /** Without waiting for the disk: the compareAndSet that follows does (see Store.getForUpdate). */
  override async getForUpdate(key: string): Promise<string | null> {
    return this.read(key);
  }

  async delete(key: string): Promise<boolean> {
    const row = this.run(() => this.statements.delete.get(key));
    if (row !== undefined) await this.durable([key]);
    return row !== undefined && row.expires_at > Date.now();
  }

  async take(key: string): Promise<string | null> {
    const row = this.run(() => this.statements.take.get(key));
    if (row !== undefined) await this.durable([key]);
    return row !== undefined && row.expires_at > Date.now() ? row.value : null;
  }

  async compareAndSet(key: string, expected: string | null, next: string, ttlMs: number, alsoWrite: readonly StoreEntry[] = []): Promise<boolean> {
    const now = Date.now();
    const expiresAt = expiryFrom(now, ttlMs);
    if (alsoWrite.length > 0) {
      // One transaction: the swap and the writes commit together or not at all, and reach the disk together.
      const writes = alsoWrite.map((entry) => ({ key: entry.key, value: entry.value, expiresAt: expiryFrom(now, entry.ttlMs) }));
      if (!this.run(() => this.swapAndWrite.immediate(key, expected, next, expiresAt, now, writes))) return false;
      await this.durable([key, ...writes.map((entry) => entry.key)]);
      return true;
    }
    const result = this.run(() =>
      expected === null
        ? this.statements.insertIfAbsent.run(key, next, expiresAt, now)
        : this.statements.replace.run(next, expiresAt, key, expected, now),
    );
    if (result.changes !== 1) return false;
    await this.durable([key]);
    return true;
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; expiresAt: number }> {
    const now = Date.now();
    // Rate-limit counters: losing the last few on a crash is harmless, so they do not wait for the disk.
    const row = this.run(() => this.statements.increment.get({ key, expiresAt: expiryFrom(now, windowMs), now }))!;
    return { count: Number(row.value), expiresAt: row.expires_at };
  }

  /** Ready means writable: a tiny write that must reach the disk (a read would pass on a read-only file system). */
  async ping(): Promise<void> {
    this.run(() => this.statements.ping.run());
    await this.durable([]);
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    if (this.db.open) {
      await Promise.allSettled([this.runningSync, this.nextSync]);
      this.db.close();
      closeSync(this.logFd);
    }
  }

  /** Deletes expired rows. Returns how many. */
  sweep(): number {
    try {
      return this.run(() => this.statements.sweep.run(Date.now())).changes;
    } catch (error) {
      this.logger.warn(`Sweeping expired entries failed: ${describe(error)}`);
      return 0;
    }
  }

  private read(key: string): string | null {
    return this.run(() => this.statements.get.get(key, Date.now())?.value ?? null);
  }

  /**
   * Resolves once everything committed so far (`keys` just now) is on disk. Called right after
   * the commit, in the same tick. Syncs run one at a time; a commit made while one runs joins
   * the next, which starts when it ends: concurrent writes share one sync.
   */
  private durable(keys: readonly string[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const sync = this.nextSync ?? this.scheduleSync();
    for (const key of keys) {
      this.unsynced.set(key, sync);
      this.nextSyncKeys.push(key);
    }
    return sync;
  }

  private scheduleSync(): Promise<void> {
    const sync: Promise<void> = (this.runningSync ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        const keys = this.nextSyncKeys;
        this.nextSync = undefined;
        this.nextSyncKeys = [];
        this.runningSync = sync;
        if (this.failure) throw this.failure;
        try {
          await this.syncLog(this.logFd);
        } catch (error) {
          this.failure ??= new StoreUnavailableError(`SQLite store could not write its log to disk, unavailable until restarted: ${describe(error)}`, { cause: error });
          this.logger.error(this.failure.message);
          this.unsynced.clear();
          throw this.failure;
        }
        for (const key of keys) if (this.unsynced.get(key) === sync) this.unsynced.delete(key);
      })
      .finally(() => {
        if (this.runningSync === sync) this.runningSync = undefined;
      });
    this.nextSync = sync;
    return sync;
  }

  /** Driver failures (file gone, disk full, lock timeout, closed) are the store being unavailable. */
  private run<T>(operation: () => T): T {
    if (!this.db.open) throw new StoreUnavailableError('SQLite store is closed');
    if (this.failure) throw this.failure;
    try {
      return operation();
    } catch (error) {
      throw new StoreUnavailableError(`SQLite store failed: ${describe(error)}`, { cause: error });
    }
  }
}

/** SQLite's own messages name the problem (`SQLITE_BUSY: database is locked`); values are bound, never in them. */
function describe(error: unknown): string {
  if (error instanceof Database.SqliteError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
