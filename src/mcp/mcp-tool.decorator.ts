import { applyDecorators, SetMetadata, UseGuards, UseInterceptors } from '@nestjs/common';
import { ToolRoleGuard } from './authorization/tool-role.guard';
import { MCP_TOOL_METADATA, McpToolOptions } from './mcp-tool.options';
import { ToolScopeGuard } from './tool-scope.guard';
import { UserContextInterceptor } from './user-context.interceptor';

export type { McpToolOptions } from './mcp-tool.options';

/**
 * Declares an MCP tool on a method of an `@Injectable()` class; the class only has
 * to be a provider of a module that imports McpModule. Discovered at start. The
 * method receives a `ToolCall` and returns a string, a JSON-able object, or a
 * `CallToolResult`; it runs behind ToolScopeGuard, ToolRoleGuard (`roles`, `groups`) and UserContextInterceptor (and
 * any guard or interceptor added with the usual Nest decorators).
 */
export function McpTool(options: McpToolOptions): MethodDecorator {
  return applyDecorators(
    SetMetadata(MCP_TOOL_METADATA, options),
    UseGuards(ToolScopeGuard, ToolRoleGuard),
    UseInterceptors(UserContextInterceptor),
  );
}
