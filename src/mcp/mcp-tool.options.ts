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
}
