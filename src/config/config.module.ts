import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { Environment, loadConfig } from './load-config';
import { SigningKeysService } from './signing-keys.service';

/**
 * Validated configuration, provided as the typed `AppConfig`. The environment is
 * passed in (main.ts gives it process.env merged with `.env`), so tests can run
 * several differently configured instances in one process.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env: Environment): DynamicModule {
    return ConfigModule.forConfig(loadConfig(env));
  }

  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }, SigningKeysService],
      exports: [AppConfig, SigningKeysService],
    };
  }
}
