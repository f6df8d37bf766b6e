import { Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Store } from '../store/store.port';
import { EntraEmulator } from './entra-emulator';

/** Builds the emulator for the server's configuration; refuses production outright (defense in depth). */
export function createEmbeddedEmulator(config: AppConfig, store: Store): EntraEmulator {
  if (config.isProduction) {
    throw new Error(
      'The embedded Entra emulator never runs with NODE_ENV=production: set AUTH_TENANT_ID and AUTH_CLIENT_ID to use your Entra tenant',
    );
  }
  if (config.emulatorPort === 0) {
    // The issuer (and so AUTH_AUTHORITY) must be known before the emulator listens.
    throw new Error('The embedded Entra emulator needs a fixed port: set EMULATOR_PORT (or a non-zero PORT)');
  }
  return new EntraEmulator({
    port: config.emulatorPort,
    host: config.emulatorHost,
    redirectUris: [config.entra.redirectUri],
    // The server's store: the emulator's key, sessions and refresh tokens survive a restart.
    store,
    appName: config.serverName,
    logger: new Logger(EntraEmulator.name),
  });
}

/**
 * The embedded Entra ID + Graph `/me` stand-in, on its own origin
 * (`http://localhost:$EMULATOR_PORT`), started with the application and stopped
 * with it. AppModule imports it only in `embedded-emulator` mode. Tests reach its
 * switches with `app.get(EntraEmulator)`.
 */
@Module({
  providers: [{ provide: EntraEmulator, inject: [AppConfig, Store], useFactory: createEmbeddedEmulator }],
  exports: [EntraEmulator],
})
export class EntraEmulatorModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EntraEmulatorModule.name);

  constructor(@Inject(EntraEmulator) private readonly emulator: EntraEmulator) {}

  async onModuleInit(): Promise<void> {
    await this.emulator.start();
    const users = this.emulator.users.map((user) => user.name).join(', ');
    this.logger.debug(
      `Entra emulator at ${this.emulator.origin} (tenant ${this.emulator.tenantId}), demo users ${users}; ` +
        'set AUTH_TENANT_ID and AUTH_CLIENT_ID to use your tenant',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.emulator.stop();
  }
}
