import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Store } from '../store/store.port';

/** A readiness probe must answer even when the store hangs: adapters time out sooner, this is the backstop. */
const PING_TIMEOUT_MS = 2000;

/** Readiness of the state store: up when `Store.ping` answers. */
@Injectable()
export class StoreHealthIndicator {
  private readonly logger = new Logger(StoreHealthIndicator.name);
  /** Probes poll every few seconds: log changes of state, not every failed probe. */
  private reachable = true;

  constructor(
    private readonly store: Store,
    private readonly health: HealthIndicatorService,
  ) {}

  async check<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    try {
      await withTimeout(this.store.ping(), PING_TIMEOUT_MS);
      if (!this.reachable) this.logger.log('Store is reachable again: ready');
      this.reachable = true;
      return indicator.up();
    } catch (error) {
      // The reason (host names, driver messages) goes to the log, not to whoever polls the probe.
      if (this.reachable) this.logger.warn(`Store is not reachable, not ready: ${error instanceof Error ? error.message : String(error)}`);
      this.reachable = false;
      return indicator.down({ message: 'unreachable' });
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
