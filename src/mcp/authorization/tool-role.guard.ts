import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuditTrail } from '../../audit/audit-trail';
import { MCP_TOOL_METADATA, McpToolOptions } from '../mcp-tool.options';
import { MCP_CONTEXT_TYPE, McpContextType, ToolCall } from '../tool-call';
import { ToolError } from '../tool-error';
import { decideToolAccess, toolAccessDeniedMessage } from './tool-access';

/** A tool call by a user lacking the app role or group the tool requires: a tool error naming it. */
export class ToolAccessDeniedError extends ToolError {
  constructor(message: string) {
    super(message);
    this.name = 'ToolAccessDeniedError';
  }
}

/**
 * Runs every `@McpTool` call through decideToolAccess with the caller's Entra app roles and
 * groups (kept with the grant, refreshed with it). A denied call is recorded in the audit trail
 * and ends as a tool error naming what is missing. `tools/list` hides the same tools (ToolRegistry).
 */
@Injectable()
export class ToolRoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditTrail,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<McpContextType>() !== MCP_CONTEXT_TYPE) return false;
    const options = this.reflector.get<McpToolOptions | undefined>(MCP_TOOL_METADATA, context.getHandler());
    if (!options) return false;
    const { user } = context.getArgByIndex<ToolCall>(0);
    const decision = decideToolAccess(options, user);
    if (decision.allowed) return true;
    await this.audit.record('tool_call.denied', {
      oid: user.oid,
      clientId: user.clientId,
      tool: options.name,
      ...(decision.missingRoles.length ? { missingRoles: decision.missingRoles } : {}),
      ...(decision.missingGroups.length ? { missingGroups: decision.missingGroups } : {}),
    });
    throw new ToolAccessDeniedError(toolAccessDeniedMessage(options.name, decision));
  }
}
