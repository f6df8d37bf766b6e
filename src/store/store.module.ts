import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { RedisStore } from './redis.store';
import { SqliteStore } from './sqlite.store';
import { StoreUnavailableFilter } from './store-unavailable.filter';
import { Store } from './store.port';

/** Redis when REDIS_URL is set (several instances share state), else the SQLite file in DATA_DIR. */
export function createStore(config: AppConfig, logger = new Logger(StoreModule.name)): Store {
  if (config.redisUrl) {
    const store = new RedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix });
    logger.log(`Using the Redis store at ${store.target} (key prefix "${store.keyPrefix}")`);
    return store;
  }
  const store = new SqliteStore({ dataDir: config.dataDir });
  logger.log(`Using the SQLite store at ${store.file}`);
  return store;
}

/** Provides the `Store` port. The adapter is chosen from the configuration. */
@Global()
@Module({
  providers: [
    { provide: Store, inject: [AppConfig], useFactory: (config: AppConfig) => createStore(config) },
    { provide: APP_FILTER, useClass: StoreUnavailableFilter },
  ],
  exports: [Store],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(@Inject(Store) private readonly store: Store) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
