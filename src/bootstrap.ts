import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { EntraEmulator } from './entra-emulator/entra-emulator';
import { LimitedExpressAdapter } from './http-server-limits';
import { QuietNestLogger } from './logging/quiet-nest.logger';
import { startupSummary } from './logging/startup-summary';
import { Store } from './store/store.port';
import { bodyParseErrorHandler } from './shared/oauth-errors/body-parse-error.handler';
import { BODY_LIMIT_BYTES, securityHeaders } from './shared/http/security-headers';
import { McpDirectRoute } from './mcp/mcp-direct-route';

/**
 * Creates the configured application (not yet listening). Used by main.ts and by
 * the e2e suite, so tests run exactly what production runs.
 */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), new LimitedExpressAdapter(config.http), {
    bufferLogs: true,
    bodyParser: false,
    // A module that cannot start (store unreachable, DATA_DIR not writable) rejects here, so
    // main.ts can say so in one line instead of Nest's default process.abort().
    abortOnError: false,
  });
  app.useLogger(new QuietNestLogger(app.get(Logger)));
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.use(cookieParser());
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT_BYTES, extended: false });
  app.use(bodyParseErrorHandler);
  app.enableShutdownHooks();
  // POST /mcp, the hot path, is served in front of Express when it can be (McpDirectRoute).
  app.get(McpDirectRoute).install(app.getHttpServer());
  return app;
}

/** Starts listening on the configured port; resolves to the bound port. */
export async function listen(app: INestApplication, port: number): Promise<number> {
  await app.listen(port);
  const address = app.getHttpServer().address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const config = app.get(AppConfig);
  const emulator = config.entra.mode === 'embedded-emulator' ? app.get(EntraEmulator, { strict: false }) : undefined;
  new NestLogger('Startup').log(
    startupSummary(config, { port: bound, store: app.get(Store, { strict: false }).describe(), demoUsers: emulator?.users.map((user) => user.name) }),
  );
  return bound;
}
