import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite.store';
import { describeStoreContract } from './store.contract';
import { StoreUnavailableError } from './store.port';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeStoreContract('SQLite', () => new SqliteStore({ dataDir: tempDir() }));

describe('SqliteStore', () => {
  const open: SqliteStore[] = [];
  function openStore(dataDir: string, options: { sweepIntervalMs?: number } = {}): SqliteStore {
    const store = new SqliteStore({ dataDir, ...options });
    open.push(store);
    return store;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  it('creates its data directory and keeps state.sqlite there, in WAL mode', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const store = openStore(dataDir);
    expect(store.file).toBe(join(dataDir, 'state.sqlite'));
    expect(existsSync(store.file)).toBe(true);
    const probe = new Database(store.file, { readonly: true });
    expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    probe.close();
  });

  it('keeps live values across a restart (close, reopen the same file), and expired ones stay gone', async () => {
    const dataDir = tempDir();
    const first = new SqliteStore({ dataDir });
    await first.set('grant:durable', 'still here', 60_000);
    await first.set('code:short', 'gone soon', 50);
    await first.close();
    await sleep(120);

    const second = openStore(dataDir);
    expect(await second.get('grant:durable')).toBe('still here');
    expect(await second.get('code:short')).toBeNull();
    expect(await second.take('code:short')).toBeNull();
  });

  it('sweeps expired rows from the file periodically', async () => {
    const store = openStore(tempDir(), { sweepIntervalMs: 50 });
    await store.set('expiring', 'x', 20);
    await store.set('live', 'y', 60_000);
    await sleep(200);
    const probe = new Database(store.file, { readonly: true });
    const keys = probe.prepare('SELECT key FROM kv').pluck().all();
    probe.close();
    expect(keys).toEqual(['live']);
  });

  it('gives a take to exactly one of two stores sharing the file', async () => {
    const dataDir = tempDir();
    const [a, b] = [openStore(dataDir), openStore(dataDir)];
    await a.set('code:shared', 'once', 60_000);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).take('code:shared')));
    expect(results.filter((r) => r !== null)).toEqual(['once']);
    expect(await b.compareAndSet('state:shared', null, 'b', 60_000)).toBe(true);
    expect(await a.compareAndSet('state:shared', null, 'a', 60_000)).toBe(false);
    expect(await a.get('state:shared')).toBe('b');
  });

  it('keeps take exactly-once and compare-and-set free of lost updates across server processes', async () => {
    const dataDir = tempDir();
    const keyCount = 300;
    const increments = 100;
    const processes = 3;
    const seed = openStore(dataDir);
    for (let i = 0; i < keyCount; i++) await seed.set(`code:${i}`, `value-${i}`, 60_000);
    await seed.set('counter', '0', 60_000);

    const children = Array.from({ length: processes }, () =>
      fork(join(__dirname, 'testing', 'sqlite-race.child.js'), [dataDir, String(keyCount), String(increments)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('message', resolve))));
    const results = children.map(
      (child) =>
        new Promise<{ taken: number[]; casLosses: number }>((resolve, reject) => {
          child.once('message', (message) => resolve(message as { taken: number[]; casLosses: number }));
          child.once('exit', (code) => reject(new Error(`race child exited with ${code}`)));
        }),
    );
    children.forEach((child) => child.send('go'));
    const outcomes = await Promise.all(results);

    const taken = outcomes.flatMap((o) => o.taken).sort((x, y) => x - y);
    expect(taken).toEqual(Array.from({ length: keyCount }, (_, i) => i));
    expect(await seed.get('counter')).toBe(String(processes * increments));
  }, 30_000);

  it('answers a write only after its log is on disk, one sync serving the writes committed before it started', async () => {
    const syncs: (() => void)[] = [];
    const store = new SqliteStore({ dataDir: tempDir(), syncLog: () => new Promise<void>((resolve) => syncs.push(resolve)) });
    open.push(store);
    let answered = 0;
    const first = store.set('a', '1', 60_000).then(() => answered++);
    await sleep(10);
    expect(answered).toBe(0);
    // Committed while the first sync runs: these wait for the next one, which they share.
    const later = Promise.all([
      store.set('b', '2', 60_000),
      store.compareAndSet('c', null, '3', 60_000),
      store.compareAndSet('d', null, '4', 60_000, [{ key: 'e', value: '5', ttlMs: 60_000 }]),
      store.take('a'),
    ]).then(() => answered++);
    expect(syncs).toHaveLength(1);
    syncs.shift()!();
    await first;
    await sleep(10);
    expect([answered, syncs.length]).toEqual([1, 1]);
    // A read waits for the sync in progress: what it returns may have been committed by another request.
    let read: string | null | undefined;
    const reading = store.get('b').then((value) => (read = value));
    await sleep(10);
    expect(read).toBeUndefined();
    syncs.shift()!();
    await Promise.all([later, reading]);
    expect([answered, read]).toEqual([2, '2']);
    // Rate-limit counters do not wait for the disk.
    expect((await store.increment('rate', 60_000)).count).toBe(1);
  });

  it('makes a read wait only when its key has a commit not yet on disk, and a read for a swap never', async () => {
    const syncs: (() => void)[] = [];
    const store = new SqliteStore({ dataDir: tempDir(), syncLog: () => new Promise<void>((resolve) => syncs.push(resolve)) });
    open.push(store);
    const writing = store.set('old', '1', 60_000);
    await sleep(10);
    syncs.shift()!();
    await writing;
    const swapping = store.compareAndSet('hot', null, 'v1', 60_000, [{ key: 'also', value: 'x', ttlMs: 60_000 }]);
    await sleep(10);
    expect(syncs).toHaveLength(1);
    // Untouched since its sync: answered at once, though another sync is under way.
    expect(await store.get('old')).toBe('1');
    expect(await store.getForUpdate('hot')).toBe('v1');
    const reads: (string | null)[] = [];
    const reading = Promise.all([store.get('hot'), store.get('also')]).then((values) => reads.push(...values));
    await sleep(10);
    expect(reads).toEqual([]);
    syncs.shift()!();
    await Promise.all([swapping, reading]);
    expect(reads).toEqual(['v1', 'x']);
  });

  it('refuses every operation, reads included, once its log could not be written to disk (a read-only or failing disk)', async () => {
    let fail = false;
    const store = new SqliteStore({
      dataDir: tempDir(),
      syncLog: async () => {
        if (fail) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      },
    });
    open.push(store);
    await store.set('kept', 'yes', 60_000);
    fail = true;
    await expect(store.set('lost', 'maybe', 60_000)).rejects.toThrow(StoreUnavailableError);
    fail = false;
    // The kernel reports a failed write-back once: a later sync that succeeds proves nothing.
    await expect(store.set('next', 'x', 60_000)).rejects.toThrow(/unavailable until restarted/);
    await expect(store.take('kept')).rejects.toThrow(StoreUnavailableError);
    await expect(store.ping()).rejects.toThrow(StoreUnavailableError);
    // 'lost' was committed and is visible to this connection, but may not be on disk: not served.
    await expect(store.get('lost')).rejects.toThrow(StoreUnavailableError);
    await expect(store.increment('rate', 60_000)).rejects.toThrow(StoreUnavailableError);
  });

  it('reports StoreUnavailableError, not a driver error, once closed', async () => {
    const store = new SqliteStore({ dataDir: tempDir() });
    await store.close();
    await expect(store.get('x')).rejects.toThrow(StoreUnavailableError);
    await expect(store.ping()).rejects.toThrow(StoreUnavailableError);
  });

  it('reports StoreUnavailableError when the file cannot be opened', () => {
    const dir = tempDir();
    expect(() => new SqliteStore({ dataDir: dir, fileName: 'missing-dir/state.sqlite' })).toThrow(StoreUnavailableError);
  });
});
