import type { UserContext } from '../shared/user-context';

/** `ExecutionContext.getType()` of a tool call: guards and interceptors tell tool calls from HTTP requests by it. */
export const MCP_CONTEXT_TYPE = 'mcp';
export type McpContextType = typeof MCP_CONTEXT_TYPE;

/**
 * The single argument of a tool method, and `context.getArgByIndex(0)` for the
 * guards and interceptors that wrap it.
 */
export interface ToolCall<TInput = Record<string, unknown>> {
  /** The tool's name. */
  tool: string;
  /** Arguments, already validated against the tool's input schema. */
  input: TInput;
  /** The user of the token that sent this call (tool code reads it through UserContextAccessor). */
  user: UserContext;
  /** Aborted when the client cancels the request or the session closes. */
  signal: AbortSignal;
}
