import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigService } from '@nestjs/config';
import { AppConfigService } from '../config/app-config.module';
import { prettyTransport } from './pretty-transport';
import { httpLogOptions } from './http-log.options';
import { requestIdFor } from './request-id';

/**
 * Structured logging (pino) with a request id on every line. Secrets never reach
 * the log: credentials headers are redacted, and so are secret query parameters
 * in logged URLs (request URLs and redirect Locations) and secret fields in bodies.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: AppConfigService) => {
        const level = config.get('app.logLevel', { infer: true });
        return {
          pinoHttp: {
            ...httpLogOptions(level, config.get('app.nodeEnv', { infer: true })),
            transport: prettyTransport(config.get('app.nodeEnv', { infer: true })),
            genReqId: requestIdFor,
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
