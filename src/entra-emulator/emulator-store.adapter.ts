import type { Adapter, AdapterPayload, JWK } from 'oidc-provider';
import { Store } from '../store/store.port';

/** A stored oidc-provider record with its own expiry, so `consume` can rewrite it with the time it has left. */
interface StoredRecord {
  payload: AdapterPayload;
  /** Epoch ms, or null for records without an expiry. */
  expiresAt: number | null;
}

/** The emulator's signing key and cookie keys: kept, so tokens and sessions of a previous run stay valid. */
export interface EmulatorKeys {
  signingKey: JWK;
  cookieKeys: string[];
}

/** Models whose records carry a grantId and are revoked with their grant. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/** Lifetime of records oidc-provider stores without one, of the key set and of the indexes (renewed on use). */
const LONG_TTL_MS = 400 * 24 * 3600 * 1000;
/** An index is pruned of ids whose records are gone once it grows past this. */
const PRUNE_AT = 100;
const NAMESPACE = 'entra-emulator';

/**
 * oidc-provider storage for one emulator, over the server's storage port: the
 * embedded emulator keeps its signing key, sessions, grants and refresh tokens in
 * the same store as the server (SQLite under DATA_DIR, or Redis), so a restart or
 * a watch-mode reload keeps every sign-in. The standalone emulator and tests pass
 * a MemoryStore. Keys: `entra-emulator:<Model>:<id>`, plus secondary keys for
 * `uid` and `userCode` lookups and id lists per grant and per model (for
 * `revokeByGrantId` and the test switches that end all sessions or refresh tokens).
 */
export class EmulatorStore {
  constructor(private readonly store: Store) {}

  adapterFor = (model: string): Adapter => new ModelAdapter(this, model);

  /** The keys of an earlier run, or `create()`'s and stored for the next run (first writer wins). */
  async keys(create: () => EmulatorKeys): Promise<EmulatorKeys> {
    const key = `${NAMESPACE}:keys`;
    for (;;) {
      const raw = await this.store.get(key);
      if (raw !== null) {
        // Renews the lifetime, so a key set in regular use never expires.
        if (await this.store.compareAndSet(key, raw, raw, LONG_TTL_MS)) return JSON.parse(raw) as EmulatorKeys;
        continue;
      }
      const fresh = create();
      if (await this.store.compareAndSet(key, null, JSON.stringify(fresh), LONG_TTL_MS)) return fresh;
    }
  }

  async find(model: string, id: string): Promise<AdapterPayload | undefined> {
    const raw = await this.store.get(recordKey(model, id));
    return raw === null ? undefined : (JSON.parse(raw) as StoredRecord).payload;
  }

  async findBy(model: string, field: 'uid' | 'userCode', value: string): Promise<AdapterPayload | undefined> {
    const id = await this.store.get(`${NAMESPACE}:${model}:${field}:${value}`);
    return id === null ? undefined : this.find(model, id);
  }

  async upsert(model: string, id: string, payload: AdapterPayload, expiresInSeconds?: number): Promise<void> {
    const expiresAt = typeof expiresInSeconds === 'number' ? Date.now() + expiresInSeconds * 1000 : null;
    const ttl = expiresAt === null ? LONG_TTL_MS : Math.max(1, expiresAt - Date.now());
    await this.store.set(recordKey(model, id), JSON.stringify({ payload, expiresAt } satisfies StoredRecord), ttl);
    if (typeof payload.uid === 'string') await this.store.set(`${NAMESPACE}:${model}:uid:${payload.uid}`, id, ttl);
    if (typeof payload.userCode === 'string') await this.store.set(`${NAMESPACE}:${model}:userCode:${payload.userCode}`, id, ttl);
    if (typeof payload.grantId === 'string' && GRANTABLE.has(model)) await this.addToIndex(`grant:${payload.grantId}`, `${model}:${id}`);
    await this.addToIndex(`model:${model}`, id);
  }

  /** Marks a code or token as used, keeping its expiry; oidc-provider rejects consumed records. */
  async consume(model: string, id: string): Promise<void> {
    const key = recordKey(model, id);
    const raw = await this.store.get(key);
    if (raw === null) return;
    const record = JSON.parse(raw) as StoredRecord;
    record.payload.consumed = Math.floor(Date.now() / 1000);
    const ttl = record.expiresAt === null ? LONG_TTL_MS : record.expiresAt - Date.now();
    if (ttl > 0) await this.store.compareAndSet(key, raw, JSON.stringify(record), ttl);
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.store.delete(recordKey(model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const indexKey = `${NAMESPACE}:index:grant:${grantId}`;
    for (const entry of await this.readIndex(indexKey)) await this.store.delete(`${NAMESPACE}:${entry}`);
    await this.store.delete(indexKey);
  }

  /** Deletes every record of a model (e.g. all refresh tokens: "Entra revoked the sessions"); returns how many were live. */
  async deleteModel(model: string): Promise<number> {
    const indexKey = `${NAMESPACE}:index:model:${model}`;
    let count = 0;
    for (const id of await this.readIndex(indexKey)) if (await this.store.delete(recordKey(model, id))) count += 1;
    await this.store.delete(indexKey);
    return count;
  }

  private async readIndex(key: string): Promise<string[]> {
    const raw = await this.store.get(key);
    return raw === null ? [] : (JSON.parse(raw) as string[]);
  }

  /** Appends to an id list with compare-and-set, so concurrent writers (several instances on Redis) lose nothing. */
  private async addToIndex(name: string, entry: string): Promise<void> {
    const key = `${NAMESPACE}:index:${name}`;
    for (;;) {
      // Every sign-in appends to the same few indexes: read for the swap, without waiting for the disk.
      const raw = await this.store.getForUpdate(key);
      let entries = raw === null ? [] : (JSON.parse(raw) as string[]);
      if (entries.includes(entry)) return;
      if (entries.length >= PRUNE_AT) entries = await this.live(name, entries);
      if (await this.store.compareAndSet(key, raw, JSON.stringify([...entries, entry]), LONG_TTL_MS)) return;
    }
  }

  /** The entries of an index whose records still exist. */
  private async live(name: string, entries: string[]): Promise<string[]> {
    const model = name.startsWith('model:') ? name.slice('model:'.length) : undefined;
    const kept: string[] = [];
    for (const entry of entries) {
      const key = model ? recordKey(model, entry) : `${NAMESPACE}:${entry}`;
      if ((await this.store.get(key)) !== null) kept.push(entry);
    }
    return kept;
  }
}

function recordKey(model: string, id: string): string {
  return `${NAMESPACE}:${model}:${id}`;
}

/**
 * oidc-provider drops `offline_access` from authorization requests without
 * `prompt=consent`; Entra keeps it (and issues a refresh token) silently. Putting
 * it back on the stored code makes the refresh token carry it too, so a refresh
 * that names `offline_access` in its `scope` (as MSAL and our client do) is not
 * `invalid_scope`. The emulator's one client is always allowed the refresh grant.
 */
function withOfflineAccess(scope: unknown): string | undefined {
  if (typeof scope !== 'string') return undefined;
  const scopes = scope.split(' ');
  return scopes.includes('openid') && !scopes.includes('offline_access') ? `${scope} offline_access` : scope;
}

class ModelAdapter implements Adapter {
  constructor(
    private readonly store: EmulatorStore,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    if (this.model === 'AuthorizationCode') payload.scope = withOfflineAccess(payload.scope);
    await this.store.upsert(this.model, id, payload, expiresIn);
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.find(this.model, id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.store.findBy(this.model, 'uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.store.findBy(this.model, 'userCode', userCode);
  }

  consume(id: string): Promise<void> {
    return this.store.consume(this.model, id);
  }

  destroy(id: string): Promise<void> {
    return this.store.destroy(this.model, id);
  }

  revokeByGrantId(grantId: string): Promise<void> {
    return this.store.revokeByGrantId(grantId);
  }
}
