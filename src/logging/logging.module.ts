import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigService } from '@nestjs/config';
import { AppConfigService } from '../config/app-config.module';
import { prettyTransport } from './pretty-transport';
import { httpLogOptions } from './http-log.options';

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
            genReqId: (req: IncomingMessage, res: ServerResponse) => {
              const incoming = req.headers['x-request-id'];
              const id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
