import type { IncomingMessage } from 'node:http';
import { redactBody, redactUrl } from './redact';

type LoggedRequest = IncomingMessage & { id?: string; body?: unknown; originalUrl?: string };
type SerializedRequest = LoggedRequest & { raw?: LoggedRequest; url?: string; headers?: Record<string, unknown> };
type SerializedResponse = { statusCode?: number; headers?: Record<string, unknown> };

/**
 * What pino-http writes about a request and its response. At `info` a lean line: request id,
 * method, redacted URL, status. Serializing every request and response header on each line
 * was a large part of a tool call's cost, so headers (and bodies) are written at `debug` and
 * `trace` only; credential headers are then censored by the logger's `redact` paths.
 */
export function httpLogSerializers(verbose: boolean) {
  return {
    req: (req: SerializedRequest) => ({
      id: req.id,
      method: req.method,
      url: redactUrl(req.url ?? ''),
      ...(verbose ? { headers: req.headers } : {}),
      ...(verbose && req.raw?.body ? { body: redactBody(req.raw.body) } : {}),
    }),
    res: (res: SerializedResponse) =>
      verbose
        ? {
            statusCode: res.statusCode,
            // Redirects carry secrets in their Location: our authorization code to the client, the state to Entra.
            headers: typeof res.headers?.location === 'string' ? { ...res.headers, location: redactUrl(res.headers.location) } : res.headers,
          }
        : { statusCode: res.statusCode },
  };
}
