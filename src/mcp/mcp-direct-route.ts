import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import { AppConfig } from '../config/app-config';
import { httpLogOptions } from '../logging/http-log.options';
import { requestIdFor } from '../logging/request-id';
import { BODY_LIMIT_BYTES, securityHeaders } from '../shared/http/security-headers';
import { jsonRpcBodyError } from '../shared/oauth-errors/body-parse-error.handler';
import { UserContext } from '../shared/user-context';
import { isAllowedHost, presentedHost } from './allowed-host';
import { McpBearerStrategy } from './bearer.strategy';
import { EntraBearerStrategy } from './entra-bearer.strategy';
import { setMcpCorsHeaders } from './mcp-cors.middleware';
import { RequestScopePolicy } from './request-scope.policy';
import { StreamableHttpService } from './streamable-http.service';
import { ToolCallFastPath } from './tool-call-fast-path';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

interface BearerStrategy {
  validate(req: IncomingMessage): Promise<UserContext | null>;
}

/** `application/json`, optionally with `charset=utf-8`: what the JSON body parser would read as is. */
const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

/** Accepted Host values are few (SERVER_URL's host, maybe with its default port): remembered, not re-parsed. */
const MAX_REMEMBERED_HOSTS = 8;

/**
 * The hot path: `POST /mcp` with a valid bearer token, served straight from `node:http` in
 * front of Express and Nest's per-route machinery. It applies the same rules with the same
 * code — the Host check (DNS rebinding), the bearer strategies of the configured AUTH_MODE
 * (this server's tokens and/or Entra's), the scope policy, the security and CORS headers, one
 * request log line with a request id bound to every line — and hands the parsed body to the
 * same StreamableHttpService — or, for a plain `tools/call`, to ToolCallFastPath, which answers it
 * without the SDK's per-request machinery. Tool calls still run through Nest's guards and interceptors
 * (ExternalContextCreator), so per-tool scopes, roles, the user context and audit are unchanged.
 *
 * Only the successful case is served here. Anything else — another route or method, a body
 * that is compressed, chunked, too large or not JSON, a missing or rejected token, a token that
 * may not send this message, a store that is down — goes to the application as before, which
 * answers with its documented errors (`WWW-Authenticate` challenges, 403 `insufficient_scope`,
 * 503): a request that fails here is never answered differently from one that never came here.
 * At `debug` and `trace` (full request logging) every request goes to the application.
 */
@Injectable()
export class McpDirectRoute {
  private readonly logger = new Logger(McpDirectRoute.name);
  private readonly strategies: readonly BearerStrategy[];
  private readonly allowedHosts = new Set<string>();
  private readonly log: ReturnType<typeof httpLogOptions>;
  private readonly enabled: boolean;

  constructor(
    private readonly config: AppConfig,
    ours: McpBearerStrategy,
    entra: EntraBearerStrategy,
    private readonly scopes: RequestScopePolicy,
    private readonly streamableHttp: StreamableHttpService,
    private readonly fastPath: ToolCallFastPath,
  ) {
    // The order of McpBearerGuard: in `both` mode Entra's strategy passes (null) on opaque tokens.
    this.strategies = { proxy: [ours], direct: [entra], both: [entra, ours] }[config.authMode];
    this.log = httpLogOptions(config.logLevel, config.nodeEnv);
    this.enabled = config.logLevel !== 'debug' && config.logLevel !== 'trace';
  }

  /** Puts the route in front of the application's request listener on `server`. */
  install(server: HttpServer): void {
    if (!this.enabled) return;
    const [application, ...others] = server.listeners('request') as RequestListener[];
    if (!application || others.length > 0) throw new Error('Expected exactly one request listener (the application) on the HTTP server.');
    server.removeListener('request', application);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.accepts(req)) return application(req, res);
      this.serve(req, res, application).catch((error: unknown) => this.fail(res, error));
    });
  }

  /** What can be decided from the request line and headers alone, before anything is read. */
  private accepts(req: IncomingMessage): boolean {
    if (req.method !== 'POST' || req.url !== '/mcp') return false;
    const { headers } = req;
    if (headers.authorization === undefined || headers['content-encoding'] !== undefined) return false;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= BODY_LIMIT_BYTES)) return false;
    if (!JSON_CONTENT_TYPE.test(headers['content-type'] ?? '')) return false;
    return this.allowedHost(presentedHost(headers, this.config.trustProxy));
  }

  private allowedHost(host: string | undefined): boolean {
    if (host !== undefined && this.allowedHosts.has(host)) return true;
    if (!isAllowedHost(host, this.config.serverUrl)) return false;
    if (this.allowedHosts.size < MAX_REMEMBERED_HOSTS) this.allowedHosts.add(host!);
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, application: RequestListener): Promise<void> {
    const started = Date.now();
    const user = await this.authenticate(req);
    // The application answers what is not a success: the challenge, the store's 503 (the body is still unread).
    if (!user) return application(req, res);
    let text: string;
    try {
      text = await readBody(req);
    } catch {
      // The client went away while sending: nobody to answer.
      res.destroy();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      this.answerUnparsableBody(req, res, started);
      return;
    }
    try {
      this.scopes.assertAllowed(user, body);
    } catch {
      // 403 insufficient_scope with its challenge: the application checks again and answers.
      (req as IncomingMessage & { body?: unknown }).body = body;
      return application(req, res);
    }
    const log = this.startRequest(req, res, started);
    const call = this.fastPath.match(req.headers, body);
    await storage.run(new Store(log), () => (call ? this.fastPath.serve(call, req, res, user, body) : this.streamableHttp.serve(req, res, user, body)));
  }

  /** The configured strategies in McpBearerGuard's order; null when none accepts the token (or one fails). */
  private async authenticate(req: IncomingMessage): Promise<UserContext | null> {
    try {
      for (const strategy of this.strategies) {
        const user = await strategy.validate(req);
        if (user) return user;
      }
    } catch {
      // Rejected token, store or Entra unreachable: the application answers with the exact error.
    }
    return null;
  }

  /** The request id, the response headers every `/mcp` answer carries, and the request's log line when it ends. */
  private startRequest(req: IncomingMessage, res: ServerResponse, started: number, { cors } = { cors: true }): typeof PinoLogger.root {
    const id = requestIdFor(req, res);
    securityHeaders(req, res, () => undefined);
    if (cors) setMcpCorsHeaders(res);
    const log = PinoLogger.root.child({ reqId: id });
    res.once('close', () => {
      const responseTime = Date.now() - started;
      const level = this.log.customLogLevel(req, res);
      log[level](this.log.customSuccessObject(req, res, { responseTime }), this.log.customSuccessMessage(req, res, responseTime));
    });
    return log;
  }

  /**
   * The application's answer to malformed JSON (JSON-RPC -32700, from the body parser's error
   * handler, which answers before the CORS middleware runs: no CORS headers, as there).
   */
  private answerUnparsableBody(req: IncomingMessage, res: ServerResponse, started: number): void {
    this.startRequest(req, res, started, { cors: false });
    const body = Buffer.from(JSON.stringify(jsonRpcBodyError({ type: 'entity.parse.failed', status: 400 })));
    res.writeHead(400, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': body.byteLength });
    res.end(body);
  }

  private fail(res: ServerResponse, error: unknown): void {
    this.logger.error({ msg: 'MCP request failed unexpectedly', error: error instanceof Error ? error.name : typeof error }, error instanceof Error ? error.stack : undefined);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
  }
}

/** The whole body as UTF-8 text; `accepts` has bounded its declared length, and Node holds the client to it. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    // A connection closed before the body ended (the client left, or the request timeout fired).
    req.once('close', () => {
      if (!req.complete) reject(new Error('The request body ended early.'));
    });
  });
}
