import type { ToolAnnotations } from '@modelcontextprotocol/server';
import { z } from 'zod';

export const MCP_TOOL_METADATA = 'mcp:tool';

export interface McpToolOptions {
  /** Tool name as clients see it (`get_user_name`). */
  name: string;
  title?: string;
  description: string;
  /** zod object schema of the arguments; default: no arguments. */
  inputSchema?: z.ZodObject;
  /** Scopes the access token must carry (403 `insufficient_scope` otherwise). */
  requiredScopes: readonly string[];
  annotations?: ToolAnnotations;
  /**
   * Entra app roles of which the user must hold one (`Tools.Admin`); see authorization/tool-access.ts.
   * Users without it do not see the tool in `tools/list`, and calling it is a tool error naming the role.
   */
  roles?: readonly string[];
  /** Entra security group object ids of which the user must be in one. */
  groups?: readonly string[];
}
