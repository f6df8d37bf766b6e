import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import { UserContext } from '../shared/user-context';
import { scrubbingQuotedInput } from './header-mismatch.scrubber';
import { authInfoFor, McpServerFactory, ToolCallOutcome } from './mcp-server.factory';
import { MCP_OPTIONS, McpOptions } from './mcp.options';
import { RequestScopePolicy } from './request-scope.policy';
import { serveWebExchange } from './web-exchange';

/**
 * MCP Streamable HTTP (`POST/GET/DELETE /mcp`), both protocol eras, stateless: any
 * instance answers any request, nothing is kept between requests.
 *
 * - 2026-07-28 (a `_meta` envelope on every request): the SDK's `createMcpHandler` serves
 *   it per request: `server/discover`, `Mcp-Method`/`Mcp-Name` header checks, the
 *   unsupported-version error, caching hints, `subscriptions/listen`.
 * - 2025-11-25, 2025-06-18, 2025-03-26 (`initialize` first): its stateless fallback. No
 *   `Mcp-Session-Id` is issued, and GET/DELETE (session operations) answer 405.
 *
 * Each request gets a fresh `Server` from McpServerFactory (cheap by design).
 */
@Injectable()
export class StreamableHttpService implements OnModuleDestroy {
  private readonly logger = new Logger(StreamableHttpService.name);
  private readonly handler: McpHttpHandler;

  constructor(
    servers: McpServerFactory,
    private readonly scopes: RequestScopePolicy,
    @Inject(MCP_OPTIONS) options: McpOptions,
  ) {
    // The SDK reports refused requests here too: they are the client's mistakes, not ours.
    const onerror = (error: Error): void => this.logger.debug({ msg: 'MCP request refused or failed', error: error.message });
    this.handler = scrubbingQuotedInput(createMcpHandler(() => servers.create(), { legacy: 'stateless', keepAliveMs: options.keepAliveMs, onerror }));
  }

  /**
   * Nest has already parsed the body: the SDK gets it as the parsed body (and the raw
   * response, because it may stream). Scopes are checked first, on the HTTP request.
   */
  async handle(req: Request, res: Response, user: UserContext): Promise<void> {
    const body: unknown = req.method === 'POST' ? req.body : undefined;
    this.scopes.assertAllowed(user, body);
    await this.serve(req, res, user, body);
  }

  /**
   * Serves a request whose scopes are already checked (`body`: the parsed POST body, or undefined).
   * `toolCallOutcome`: the request's `tools/call` has already run (ToolCallFastPath), the SDK only answers it.
   */
  serve(req: IncomingMessage, res: ServerResponse, user: UserContext, body: unknown, toolCallOutcome?: ToolCallOutcome): Promise<void> {
    return serveWebExchange(this.handler, req, res, { authInfo: authInfoFor(user, toolCallOutcome), parsedBody: body, onerror: this.failed });
  }

  private readonly failed = (error: Error): void => this.logger.error({ msg: 'MCP request failed unexpectedly', error: error.name }, error.stack);

  async onModuleDestroy(): Promise<void> {
    await this.handler.close();
  }
}
