import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfigService } from '../../config/app-config.module';
import { Store } from '../../store/store.port';
import { rateLimitOptions, RateLimitGuard } from './rate-limit.guard';
import { StoreThrottlerStorage } from './store-throttler.storage';

/**
 * The per-endpoint rate limits (`@RateLimit(name)` + `RateLimitGuard`), counted in the shared
 * store. Every module whose controllers use the guard imports this module, so each works on
 * its own; Nest instantiates it once, so all of them share one throttler.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, Reflector, Store],
      useFactory: (config: AppConfigService, reflector: Reflector, store: Store) =>
        rateLimitOptions(config.get('app.rateLimits', { infer: true }), reflector, new StoreThrottlerStorage(store)),
    }),
  ],
  providers: [RateLimitGuard],
  exports: [ThrottlerModule, RateLimitGuard],
})
export class RateLimitModule {}
