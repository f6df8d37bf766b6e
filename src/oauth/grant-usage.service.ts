import { Injectable, Logger } from '@nestjs/common';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import type { GrantRecord } from './oauth.records';

/** Last use is kept to the minute: at most one store write per grant per minute and instance. */
export const LAST_USE_RESOLUTION_MS = 60_000;
/** Bounds the in-process memory of recent writes (cleared when it grows past this). */
const MAX_REMEMBERED = 10_000;

/**
 * When each grant was last used (an MCP request with one of its access tokens), for the
 * connected apps page. Cheap on the hot path: a write happens only when this instance has not
 * written for the grant in the last minute, and it runs in the background (a failed write
 * loses a "last used" time, never a request).
 */
@Injectable()
export class GrantUsageService {
  private readonly logger = new Logger(GrantUsageService.name);
  private readonly lastUse: JsonStore<number>;
  private readonly written = new Map<string, number>();

  constructor(store: Store) {
    this.lastUse = new JsonStore<number>(store, 'grant-used');
  }

  /** Records a use of `grant` now (at most once a minute per grant). */
  touch(grant: GrantRecord): void {
    const now = Date.now();
    const last = this.written.get(grant.id);
    if (last !== undefined && now - last < LAST_USE_RESOLUTION_MS) return;
    if (this.written.size >= MAX_REMEMBERED) this.written.clear();
    this.written.set(grant.id, now);
    this.lastUse.set(grant.id, now, Math.max(1, grant.expiresAt - now)).catch((error: unknown) => {
      this.written.delete(grant.id);
      this.logger.warn({ msg: 'Could not record the last use of a grant', error: error instanceof Error ? error.name : typeof error });
    });
  }

  /** Epoch ms of the last recorded use, or null if never used (or not within its lifetime). */
  lastUsedAt(grantId: string): Promise<number | null> {
    return this.lastUse.get(grantId);
  }
}
