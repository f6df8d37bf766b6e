import { Injectable } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { AppConfig } from '../config/app-config';
import { UserContext } from '../oauth/user-context';
import { ToolCallService } from './tool-call.service';
import { ToolRegistry } from './tool-registry';

/** `serverInfo`: `name` is SERVER_NAME (what clients such as MCP Inspector show). */
export const SERVER_VERSION = '0.1.0';

const INSTRUCTIONS =
  'Tools that act as the signed-in Microsoft Entra ID user: get_user_name and get_user_profile read Microsoft Graph /me; whoami shows the identity this server sees.';

/**
 * How a request's user reaches the SDK: the transports hand `req.auth` to every
 * message as `extra.authInfo`. The access token itself is deliberately not passed
 * on: no tool needs it.
 */
export function authInfoFor(user: UserContext): AuthInfo {
  return { token: '', clientId: user.clientId, scopes: user.scopes, extra: { user } };
}

function userOf(authInfo: AuthInfo | undefined): UserContext {
  const user = authInfo?.extra?.user as UserContext | undefined;
  if (!user) throw new McpError(ErrorCode.InternalError, 'No authenticated user on this request.');
  return user;
}

/**
 * One low-level MCP `Server` per session (the SDK's model), never one per request.
 * Handlers delegate to the singleton ToolRegistry/ToolCallService, and all
 * sessions share one Ajv validator (the SDK would compile a new one per Server).
 */
@Injectable()
export class McpServerFactory {
  private readonly validator = new AjvJsonSchemaValidator();

  constructor(
    private readonly registry: ToolRegistry,
    private readonly toolCalls: ToolCallService,
    private readonly config: AppConfig,
  ) {}

  create(): Server {
    const server = new Server({ name: this.config.serverName, version: SERVER_VERSION }, {
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: this.validator,
    });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: this.registry.list() }));
    server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      this.toolCalls.call(request.params.name, request.params.arguments, userOf(extra.authInfo), extra.signal),
    );
    return server;
  }
}
