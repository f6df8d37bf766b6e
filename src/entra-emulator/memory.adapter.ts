import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms, or Infinity. */
  expiresAt: number;
}

/** Models whose records carry a grantId and are revoked with their grant. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/**
 * In-memory storage for one emulator instance. oidc-provider's bundled memory
 * adapter shares one module-wide store between providers; tests run several
 * emulators in one process, and need to reach in (revoke all refresh tokens, end
 * all sessions), so each emulator owns its store.
 */
export class EmulatorStore {
  private readonly entries = new Map<string, Entry>();

  adapterFor = (model: string): Adapter => new ModelAdapter(this, model);

  get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key: string, payload: AdapterPayload, expiresInSeconds?: number): void {
    this.sweep();
    const expiresAt = typeof expiresInSeconds === 'number' ? Date.now() + expiresInSeconds * 1000 : Infinity;
    this.entries.set(key, { payload, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Deletes every record of a model, e.g. all refresh tokens ("Entra revoked the sessions"). */
  deleteModel(model: string): number {
    let count = 0;
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(`${model}:`)) {
        this.entries.delete(key);
        count += 1;
      }
    }
    return count;
  }

  /** Every live record; linear, fine for an emulator's handful of records. */
  *records(model: string): Iterable<[string, AdapterPayload]> {
    for (const key of [...this.entries.keys()]) {
      const payload = key.startsWith(`${model}:`) ? this.get(key) : undefined;
      if (payload) yield [key.slice(model.length + 1), payload];
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
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
    this.store.set(this.key(id), payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    for (const [, payload] of this.store.records(this.model)) if (payload.uid === uid) return payload;
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    for (const [, payload] of this.store.records(this.model)) if (payload.userCode === userCode) return payload;
    return undefined;
  }

  /** Marks a code or token as used; oidc-provider rejects consumed records (single-use codes, rotated refresh tokens). */
  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const model of GRANTABLE) {
      for (const [id, payload] of this.store.records(model)) {
        if (payload.grantId === grantId) this.store.delete(`${model}:${id}`);
      }
    }
  }

  private key(id: string): string {
    return `${this.model}:${id}`;
  }
}
