import { createServer } from 'node:http';
import { ExpressAdapter } from '@nestjs/platform-express';
import { AppConfig } from './config/app-config';
import { expressMessageClasses } from './express-prototypes';

/**
 * Nest's Express adapter with the HTTP server's limits set on purpose instead of Node's defaults:
 * - `headersTimeout` (HTTP_HEADERS_TIMEOUT_MS, 10 s): a client that sends its headers slowly
 *   (slowloris), or opens a connection and sends nothing, is answered 408 and disconnected;
 * - `requestTimeout` (HTTP_REQUEST_TIMEOUT_MS, 30 s): the same for the whole request, body
 *   included. It covers receiving the request only: long-lived responses (`GET /sse`, the
 *   streams of `/mcp`) are not cut by it;
 * - `keepAliveTimeout` (HTTP_KEEP_ALIVE_TIMEOUT_MS, 65 s): idle keep-alive connections are
 *   closed after this. Longer than the idle timeout of common proxies and load balancers (60 s),
 *   so the proxy closes first and never reuses a connection the server is closing (a 502);
 * - `maxConnections` (HTTP_MAX_CONNECTIONS, 10,000; 0 = no limit): connections beyond are
 *   closed at once, before any parsing;
 * - headers: Node's 16 KB limit (431 beyond) and at most 100 header lines are kept.
 * Node checks the timeouts every `connectionsCheckingInterval`; it is kept well under the
 * shortest timeout so they hold to within a fraction of a second.
 * Requests and responses are constructed with Express's prototypes (see expressMessageClasses).
 */
export class LimitedExpressAdapter extends ExpressAdapter {
  constructor(private readonly limits: AppConfig['http']) {
    super();
  }

  override initHttpServer(options: Parameters<ExpressAdapter['initHttpServer']>[0]): void {
    if (options?.httpsOptions) return super.initHttpServer(options);
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections } = this.limits;
    const server = createServer(
      {
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        keepAliveTimeout: keepAliveTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 4))),
        ...expressMessageClasses(this.getInstance()),
      },
      this.getInstance(),
    );
    server.keepAliveTimeout = keepAliveTimeoutMs;
    server.maxHeadersCount = 100;
    if (maxConnections > 0) server.maxConnections = maxConnections;
    this.httpServer = server;
  }
}
