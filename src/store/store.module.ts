import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { InProcessMessageBus } from './in-process.message-bus';
import { MessageBus } from './message-bus.port';
import { RedisMessageBus } from './redis.message-bus';
import { RedisStore } from './redis.store';
import { SqliteStore } from './sqlite.store';
import { StoreUnavailableFilter } from './store-unavailable.filter';
import { Store } from './store.port';

/** Redis when REDIS_URL is set (several instances share state), else the SQLite file in DATA_DIR. */
export function createStore(config: AppConfig, logger = new Logger(StoreModule.name)): Store {
  if (config.redisUrl) {
    const store = new RedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix });
    logger.debug(`Using the Redis store at ${store.target} (key prefix "${store.keyPrefix}")`);
    return store;
  }
  const store = new SqliteStore({ dataDir: config.dataDir });
  logger.debug(`Using the SQLite store at ${store.file}`);
  return store;
}

/** Redis pub/sub between the instances when REDIS_URL is set, else this process's own bus. */
export function createMessageBus(config: AppConfig): MessageBus {
  if (config.redisUrl) return new RedisMessageBus({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix });
  return new InProcessMessageBus();
}

/** Provides the `Store` and `MessageBus` ports. The adapters are chosen from the configuration. */
@Global()
@Module({
  providers: [
    { provide: Store, inject: [AppConfig], useFactory: (config: AppConfig) => createStore(config) },
    { provide: MessageBus, inject: [AppConfig], useFactory: (config: AppConfig) => createMessageBus(config) },
    { provide: APP_FILTER, useClass: StoreUnavailableFilter },
  ],
  exports: [Store, MessageBus],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(Store) private readonly store: Store,
    @Inject(MessageBus) private readonly bus: MessageBus,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.store.close(), this.bus.close()]);
  }
}
