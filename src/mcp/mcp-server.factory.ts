import { Injectable } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import type { AuthInfo, CacheHint, CallToolResult, Implementation, Tool } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { AppConfig } from '../config/app-config';
import { UserContext } from '../shared/user-context';
import { PACKAGE_INFO } from '../shared/package-info';
import { ToolCallService } from './tool-call.service';
import { ToolRegistry } from './tool-registry';

/** Name and version from package.json; MCP `serverInfo` adds SERVER_NAME as its `title` (the name clients such as MCP Inspector show). */
export const SERVER_INFO = { name: PACKAGE_INFO.name, version: PACKAGE_INFO.version } as const;

/** The server's instructions to the model: what it is and every tool it has, from the tool registry. */
export function serverInstructions(tools: readonly Pick<Tool, 'name' | 'description'>[]): string {
  const list = tools.map((tool) => `${tool.name} (${tool.description ?? 'no description'})`).join('; ');
  return `${SERVER_INFO.name} ${SERVER_INFO.version}: tools that act as the signed-in Microsoft Entra ID user. Tools: ${list}.`;
}

/**
 * MCP 2026-07-28 caching hint for `tools/list` and `server/discover` (SEP-2549). The tool set
 * only changes with a deployment, but which tools a user sees may depend on who asks:
 * `private` (never a shared cache), five minutes.
 */
export const LIST_CACHE_HINT: CacheHint = { ttlMs: 300_000, cacheScope: 'private' };

/**
 * How a request's user reaches the SDK: the HTTP layer hands it over as the request's
 * `authInfo`, which every handler sees as `ctx.http.authInfo`. The access token itself is
 * deliberately not passed on: no tool needs it.
 */
export function authInfoFor(user: UserContext, toolCallOutcome?: ToolCallOutcome): AuthInfo {
  return { token: '', clientId: user.clientId, scopes: user.scopes, extra: toolCallOutcome ? { user, toolCallOutcome } : { user } };
}

/**
 * A `tools/call` already run by ToolCallFastPath, whose answer the SDK encodes: the tool's result,
 * or what the call threw. Set by this server only (never from the request).
 */
export type ToolCallOutcome = { result: CallToolResult } | { error: unknown };

function userOf(authInfo: AuthInfo | undefined): UserContext {
  const user = authInfo?.extra?.user as UserContext | undefined;
  if (!user) throw new ProtocolError(ProtocolErrorCode.InternalError, 'No authenticated user on this request.');
  return user;
}

/**
 * Builds the MCP `Server` (SDK v2) that every transport connects: one per request on
 * `/mcp` (both protocol eras, stateless) and one per HTTP+SSE stream. Building one is
 * cheap on purpose: the two handlers delegate to the singleton ToolRegistry (tool
 * definitions and JSON schemas computed once at start) and ToolCallService, and every
 * instance shares one JSON Schema validator (the SDK would otherwise create its own).
 * The low-level `Server` is used rather than `McpServer`, whose `registerTool` would
 * convert each tool's schema again for every instance.
 */
@Injectable()
export class McpServerFactory {
  private readonly validator = new AjvJsonSchemaValidator();
  /** MCP `serverInfo`: what every answer names as its server. */
  readonly serverInfo: Implementation;
  /** Built on first use: the registry knows the tools once every module has initialised. */
  private instructions?: string;

  constructor(
    private readonly registry: ToolRegistry,
    private readonly toolCalls: ToolCallService,
    config: AppConfig,
  ) {
    this.serverInfo = { ...SERVER_INFO, title: config.serverName };
  }

  create(): Server {
    const server = new Server(this.serverInfo, {
      capabilities: { tools: { listChanged: false } },
      instructions: (this.instructions ??= serverInstructions(this.registry.list())),
      jsonSchemaValidator: this.validator,
      cacheHints: { 'tools/list': LIST_CACHE_HINT, 'server/discover': LIST_CACHE_HINT },
    });
    // Only the tools this caller's Entra app roles and groups allow (per-tool authorization).
    server.setRequestHandler('tools/list', (_request, ctx) => ({ tools: this.registry.listFor(userOf(ctx.http?.authInfo)) }));
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const ran = ctx.http?.authInfo?.extra?.toolCallOutcome as ToolCallOutcome | undefined;
      if (ran && 'error' in ran) throw ran.error;
      const result = ran ? ran.result : await this.toolCalls.call(request.params.name, request.params.arguments, userOf(ctx.http?.authInfo), ctx.mcpReq.signal);
      // The era's wire shape of a tool result (the SDK leaves this to low-level handlers).
      return server.projectCallToolResult(result, undefined);
    });
    return server;
  }
}
