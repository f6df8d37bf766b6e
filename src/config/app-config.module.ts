import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { AppConfig } from './app-config';
import { SigningKeysService } from './signing-keys.service';

/** Namespace of the validated configuration in `ConfigService`: `config.get('app.logLevel', { infer: true })`. */
export const APP_CONFIG_NAMESPACE = 'app';

/** What `ConfigService` holds: the validated AppConfig under its namespace. */
export interface ConfigValues {
  [APP_CONFIG_NAMESPACE]: AppConfig;
}

/** `ConfigService` typed for this application; read raw values with `{ infer: true }`. */
export type AppConfigService = ConfigService<ConfigValues, true>;

/**
 * The application's configuration on `@nestjs/config`: its global `ConfigModule`/`ConfigService`
 * (so third-party modules are configured the Nest way, `forRootAsync({ inject: [ConfigService] })`),
 * plus the typed `AppConfig` provided from it and the signing keys derived from it.
 *
 * The configuration is validated before Nest starts (loadConfig: the class-validator DTO, one line
 * per problem) and handed in, because the tests run several differently configured applications
 * in one process: so `ConfigModule` neither reads `.env` nor reads or writes `process.env`.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forConfig(config: AppConfig): DynamicModule {
    const appConfig = registerAs(APP_CONFIG_NAMESPACE, () => config);
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          validatePredefined: false,
          load: [appConfig],
        }),
      ],
      providers: [
        { provide: AppConfig, inject: [appConfig.KEY], useFactory: (values: AppConfig) => values },
        SigningKeysService,
      ],
      exports: [AppConfig, SigningKeysService],
    };
  }
}
