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

/**
 * `user-grants:<oid>`: the grants of one user, so that the user can see and revoke them
 * (`/account`). Written when a grant becomes active, with compare-and-set (two sign-ins at
 * once on two instances both land). An entry may outlive its grant (revoked): readers check
 * the grant itself; ended entries are dropped on the next write.
 */
@Injectable()
export class UserGrantIndex {
  private readonly index: JsonStore<UserGrantEntry[]>;

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

  private async update(oid: string, change: (entries: UserGrantEntry[]) => UserGrantEntry[]): Promise<void> {
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
