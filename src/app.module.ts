import { DynamicModule, Module } from '@nestjs/common';
import { AccountModule } from './account/account.module';
import { AppConfig } from './config/app-config';
import { AuditModule } from './audit/audit.module';
import { ClientRegistryModule } from './client-registry/client-registry.module';
import { AppConfigModule } from './config/app-config.module';
import { ConsentModule } from './consent/consent.module';
import { EntraModule } from './entra/entra.module';
import { EntraEmulatorModule } from './entra-emulator/entra-emulator.module';
import { GraphModule } from './graph/graph.module';
import { HealthModule } from './health/health.module';
import { HomeModule } from './home/home.module';
import { LoggingModule } from './logging/logging.module';
import { McpModule } from './mcp/mcp.module';
import { OAuthModule } from './oauth/oauth.module';
import { StoreModule } from './store/store.module';

/** The whole service, wired for one validated configuration. */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forConfig(config),
        LoggingModule,
        StoreModule,
        AuditModule,
        HealthModule,
        HomeModule,
        EntraModule,
        ClientRegistryModule,
        ConsentModule,
        OAuthModule,
        GraphModule,
        McpModule,
        AccountModule,
        // The Entra emulator only when no tenant is configured (never in production: loadConfig and the module refuse it).
        ...(config.entra.mode === 'embedded-emulator' ? [EntraEmulatorModule] : []),
      ],
    };
  }
}
