import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { LoggingModule } from './logging/logging.module';
import { StoreModule } from './store/store.module';

/** The whole service, wired for one validated configuration. */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forConfig(config), LoggingModule, StoreModule],
    };
  }
}
