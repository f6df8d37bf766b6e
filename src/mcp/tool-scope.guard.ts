import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MCP_TOOL_METADATA, McpToolOptions } from './mcp-tool.options';
import { missingScopes } from './scopes';
import { MCP_CONTEXT_TYPE, McpContextType, ToolCall } from './tool-call';

/** A tool call whose token lacks scopes the tool requires. */
export class InsufficientToolScopeError extends Error {
  constructor(
    readonly tool: string,
    readonly requiredScopes: readonly string[],
  ) {
    super(`The tool ${tool} needs the scope ${requiredScopes.join(' ')}; sign in again and allow it.`);
    this.name = 'InsufficientToolScopeError';
  }
}

/**
 * Defense in depth: the HTTP layer already answers 403 `insufficient_scope` before a
 * `tools/call` reaches the transport; this guard checks again right at the tool, so
 * no path (batch, future transport) can run a tool without its scopes.
 */
@Injectable()
export class ToolScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<McpContextType>() !== MCP_CONTEXT_TYPE) return false;
    const options = this.reflector.get<McpToolOptions | undefined>(MCP_TOOL_METADATA, context.getHandler());
    if (!options) return false;
    const { user } = context.getArgByIndex<ToolCall>(0);
    if (missingScopes(user.scopes, options.requiredScopes).length > 0) {
      throw new InsufficientToolScopeError(options.name, options.requiredScopes);
    }
    return true;
  }
}
