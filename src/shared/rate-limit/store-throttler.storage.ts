import { Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { Store } from '../../store/store.port';

/**
 * Rate-limit counters in the shared store (the throttler's own storage is per process), so
 * that with Redis all instances behind a load balancer enforce one limit. Fixed windows via
 * the store's atomic `increment`; a client over the limit stays blocked until its window ends.
 */
@Injectable()
export class StoreThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly store: Store) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const { count, expiresAt } = await this.store.increment(`ratelimit:${key}`, ttl);
    const secondsLeft = Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000));
    const blocked = count > limit;
    return { totalHits: count, timeToExpire: secondsLeft, isBlocked: blocked, timeToBlockExpire: blocked ? secondsLeft : 0 };
  }
}
