import { ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { GraphError } from '../graph/graph.errors';
import { UserContext } from '../shared/user-context';
import { ToolError } from './tool-error';
import { ToolRegistry } from './tool-registry';
import { InsufficientToolScopeError } from './tool-scope.guard';

type Outcome = 'ok' | 'tool_error' | 'invalid_arguments' | 'insufficient_scope' | 'forbidden' | 'upstream_error' | 'failed';

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** A tool's return value as a CallToolResult: strings as text, objects as JSON text plus structured content. */
export function toCallToolResult(value: unknown): CallToolResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (value && typeof value === 'object' && Array.isArray((value as { content?: unknown }).content)) return value as CallToolResult;
  const text = JSON.stringify(value ?? null, null, 2);
  return value && typeof value === 'object' && !Array.isArray(value)
    ? { content: [{ type: 'text', text }], structuredContent: value as Record<string, unknown> }
    : { content: [{ type: 'text', text }] };
}

/**
 * Runs one `tools/call` for the user of the request that carried it: input
 * validation, the tool behind its guards and interceptors, failures turned into
 * `isError` results with one clear sentence (a session never crashes on a tool
 * error, and no token or internal detail reaches the client), one log line per call.
 */
@Injectable()
export class ToolCallService {
  private readonly logger = new Logger(ToolCallService.name);

  constructor(private readonly registry: ToolRegistry) {}

  async call(name: string, args: unknown, user: UserContext, signal: AbortSignal): Promise<CallToolResult> {
    const tool = this.registry.get(name);
    // MCP tools spec: an unknown tool is a protocol error, not a tool result.
    if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const started = performance.now();
    let result: CallToolResult;
    let outcome: Outcome;
    const parsed = tool.inputSchema.safeParse(args ?? {});
    if (!parsed.success) {
      result = errorResult(`Invalid arguments for ${name}: ${z.prettifyError(parsed.error)}`);
      outcome = 'invalid_arguments';
    } else {
      try {
        result = toCallToolResult(await tool.invoke({ tool: name, input: parsed.data, user, signal }));
        outcome = result.isError ? 'tool_error' : 'ok';
      } catch (error) {
        ({ result, outcome } = this.failure(name, error));
      }
    }
    // Who, what, how it ended, how long; arguments may hold personal data: debug only.
    this.logger.log({
      msg: 'MCP tool call',
      tool: name,
      oid: user.oid,
      clientId: user.clientId,
      outcome,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    });
    this.logger.debug({ msg: 'MCP tool call arguments', tool: name, arguments: args });
    return result;
  }

  private failure(tool: string, error: unknown): { result: CallToolResult; outcome: Outcome } {
    if (error instanceof InsufficientToolScopeError) return { result: errorResult(error.message), outcome: 'insufficient_scope' };
    if (error instanceof GraphError) return { result: errorResult(error.message), outcome: 'upstream_error' };
    if (error instanceof ToolError) return { result: errorResult(error.message), outcome: 'tool_error' };
    if (error instanceof ForbiddenException) {
      return { result: errorResult(`You are not allowed to use the tool ${tool}.`), outcome: 'forbidden' };
    }
    this.logger.error({ msg: 'MCP tool failed unexpectedly', tool, error: error instanceof Error ? error.name : typeof error }, error instanceof Error ? error.stack : undefined);
    return { result: errorResult(`The tool ${tool} failed unexpectedly; please try again later.`), outcome: 'failed' };
  }
}
