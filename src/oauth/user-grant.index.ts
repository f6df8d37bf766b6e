import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import type { GrantRecord } from './oauth.records';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Grants remembered per user; the oldest drop out first (they are also the first to expire). */
export const MAX_GRANTS_PER_USER = 200;

/** What the connected apps page needs of a grant without reading it (the grant may have ended). */
export interface UserGrantEntry {
  grantId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms (GRANT_MAX_LIFETIME_DAYS after creation). */
  expiresAt: number;
}

/** One change to a user's list of grants, applied in order with the others of its batch. */
type Change = (entries: UserGrantEntry[]) => UserGrantEntry[];

/**
 * `user-grants:<oid>`: the grants of one user, so that the user can see and revoke them
 * (`/account`). Written when a grant becomes active, with compare-and-set (two sign-ins at
 * once on two instances both land). An entry may outlive its grant (revoked): readers check
 * the grant itself; ended entries are dropped on the next write.
 *
 * Within one process the changes of one user are applied in batches: while one compare-and-set
 * is under way (it resolves once on disk), the changes that arrive join the next one, so many
 * sign-ins of one user at once make a few writes instead of racing each other until the retries
 * run out. The retries are for other instances.
 */
@Injectable()
export class UserGrantIndex {
  private readonly index: JsonStore<UserGrantEntry[]>;
  /** Per user: the changes waiting for the next write, and that write's outcome. */
  private readonly waiting = new Map<string, { changes: Change[]; written: Promise<void> }>();
  /** Per user: the write under way (settled or not), which the next one follows. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    store: Store,
    private readonly config: AppConfig,
  ) {
    this.index = new JsonStore<UserGrantEntry[]>(store, 'user-grants');
  }

  async add(grant: GrantRecord): Promise<void> {
    const entry: UserGrantEntry = {
      grantId: grant.id,
      clientId: grant.clientId,
      redirectUri: grant.redirectUri ?? '',
      scopes: grant.scopes,
      createdAt: grant.createdAt,
      expiresAt: grant.expiresAt,
    };
    await this.update(grant.identity.oid, (entries) => [...entries.filter((e) => e.grantId !== grant.id), entry]);
  }

  async list(oid: string): Promise<UserGrantEntry[]> {
    return ((await this.index.get(oid)) ?? []).filter((e) => e.expiresAt > Date.now());
  }

  async remove(oid: string, grantIds: readonly string[]): Promise<void> {
    await this.update(oid, (entries) => entries.filter((e) => !grantIds.includes(e.grantId)));
  }

  private update(oid: string, change: Change): Promise<void> {
    let batch = this.waiting.get(oid);
    if (!batch) {
      const changes: Change[] = [];
      const written = (this.writing.get(oid) ?? Promise.resolve()).then(() => {
        this.waiting.delete(oid);
        return this.write(oid, (entries) => changes.reduce((result, next) => next(result), entries));
      });
      const settled: Promise<void> = written.then(
        () => this.forget(oid, settled),
        () => this.forget(oid, settled),
      );
      this.writing.set(oid, settled);
      batch = { changes, written };
      this.waiting.set(oid, batch);
    }
    batch.changes.push(change);
    return batch.written;
  }

  private forget(oid: string, settled: Promise<void>): void {
    if (this.writing.get(oid) === settled) this.writing.delete(oid);
  }

  private async write(oid: string, change: Change): Promise<void> {
    const ttlMs = this.config.grantMaxLifetimeDays * DAY_MS;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.index.getRawForUpdate(oid);
      const now = Date.now();
      const next = change((current?.value ?? []).filter((e) => e.expiresAt > now)).slice(-MAX_GRANTS_PER_USER);
      const done = current ? await this.index.replace(oid, current.raw, next, ttlMs) : await this.index.create(oid, next, ttlMs);
      if (done) return;
    }
    throw new Error('The list of grants of a user kept changing concurrently.');
  }
}
