import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigService } from '@nestjs/config';
import { AppConfigService } from '../config/app-config.module';
import { prettyTransport } from './pretty-transport';
import { redactBody, redactUrl } from './redact';

type LoggedRequest = IncomingMessage & { id?: string; body?: unknown; originalUrl?: string };

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
            level,
            transport: prettyTransport(config.get('app.nodeEnv', { infer: true })),
            genReqId: (req: IncomingMessage, res: ServerResponse) => {
              const incoming = req.headers['x-request-id'];
              const id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'res.headers["set-cookie"]',
                'req.headers["x-api-key"]',
              ],
              censor: '[REDACTED]',
            },
            serializers: {
              req: (req: LoggedRequest & { raw?: LoggedRequest; url?: string; headers?: Record<string, unknown> }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url ?? ''),
                headers: req.headers,
                ...(req.raw?.body && level === 'debug' ? { body: redactBody(req.raw.body) } : {}),
              }),
              // Redirects carry secrets in their Location: our authorization code to the client, the state to Entra.
              res: (res: { statusCode?: number; headers?: Record<string, unknown> }) => ({
                statusCode: res.statusCode,
                headers: typeof res.headers?.location === 'string' ? { ...res.headers, location: redactUrl(res.headers.location) } : res.headers,
              }),
            },
            customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
            autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
