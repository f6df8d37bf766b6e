import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app-config';
import { httpLogSerializers } from './http-log.serializers';
import { redactUrl } from './redact';

type LoggedRequest = IncomingMessage & { originalUrl?: string };
type Level = AppConfig['logLevel'];

/** Requests that orchestrators send every few seconds: not logged. */
const PROBES = new Set(['/health', '/health/ready']);

/** The path and query of a request as the client sent it, with secret query parameters redacted. */
function pathOf(req: IncomingMessage): string {
  return redactUrl((req as LoggedRequest).originalUrl ?? req.url ?? '');
}

/** One request in one short line: `GET /mcp 200 12 ms` (the request id is bound to every line). */
export function requestLine(req: IncomingMessage, res: ServerResponse, responseTimeMs: number): string {
  return `${req.method} ${pathOf(req)} ${res.statusCode} ${Math.round(responseTimeMs)} ms`;
}

/**
 * Level of a request's line: server errors are errors; a 401 is the first step of every MCP
 * sign-in (the challenge), so it is info; other client errors are warnings.
 */
export function requestLogLevel(_req: IncomingMessage, res: ServerResponse, err?: Error): 'error' | 'warn' | 'info' {
  if (err || res.statusCode >= 500) return 'error';
  if (res.statusCode === 401) return 'info';
  return res.statusCode >= 400 ? 'warn' : 'info';
}

/**
 * pino-http options. Below `debug`, a request is one short line carrying only its request id
 * (in development) or a few fields (method, path, status, duration: JSON for log pipelines);
 * every other line written while it runs carries just the request id. At `debug` and below,
 * the full request and response — headers included, credentials redacted — are logged too.
 */
export function httpLogOptions(level: Level, nodeEnv: AppConfig['nodeEnv']) {
  const verbose = level === 'debug' || level === 'trace';
  const fields = (req: IncomingMessage, res: ServerResponse, responseTime: number) =>
    verbose
      ? { req, res, responseTime }
      : nodeEnv === 'development'
        ? {}
        : { method: req.method, path: pathOf(req), statusCode: res.statusCode, responseTime };
  return {
    level,
    quietReqLogger: !verbose,
    quietResLogger: !verbose,
    customSuccessMessage: requestLine,
    // pino-http passes the response time as a fourth argument its type declarations leave out.
    customErrorMessage: (req: IncomingMessage, res: ServerResponse, _err: Error, ...rest: unknown[]) => requestLine(req, res, Number(rest[0] ?? 0)),
    customSuccessObject: (req: IncomingMessage, res: ServerResponse, value: { responseTime: number }) => fields(req, res, value.responseTime),
    // The exception itself is logged where it is handled (with its stack only when it is a bug).
    customErrorObject: (req: IncomingMessage, res: ServerResponse, _err: Error, value: { responseTime: number }) => fields(req, res, value.responseTime),
    customLogLevel: requestLogLevel,
    autoLogging: { ignore: (req: IncomingMessage) => PROBES.has((req.url ?? '').split('?')[0]!) },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.headers["x-api-key"]'],
      censor: '[REDACTED]',
    },
    serializers: httpLogSerializers(verbose),
  };
}
