import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { MemoryStore } from './memory.store';
import { Store } from './store.port';

/** Provides the `Store` port. The adapter is chosen from the configuration. */
@Global()
@Module({
  providers: [{ provide: Store, useFactory: () => new MemoryStore() }],
  exports: [Store],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(@Inject(Store) private readonly store: Store) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
