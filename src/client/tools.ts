import { ProtocolError } from '@modelcontextprotocol/client';
import { CallToolResult, McpError, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpClient } from './connection';
import { sentence } from './auth-errors';
import { CliError } from './errors';
import { ExitCode } from './exit-codes';

/** All tools, following `nextCursor` pages. */
export async function fetchTools(client: McpClient): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

/**
 * Calls a tool. A JSON-RPC error (unknown tool, invalid arguments) becomes a
 * {@link CliError} with exit code 1; a result with `isError` is returned as is.
 */
export async function invokeTool(client: McpClient, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  try {
    return await client.callTool({ name, arguments: args });
  } catch (error) {
    if (error instanceof McpError || error instanceof ProtocolError) {
      throw new CliError(`The server refused the call to ${name}: ${sentence(error.message.replace(/MCP error -?\d+: /g, ''))}.`, ExitCode.ToolError, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The text of an `isError` result, as one line for stderr. */
export function toolErrorText(name: string, result: CallToolResult): string {
  const text = (result.content ?? [])
    .filter((block): block is Extract<typeof block, { type: 'text' }> => block.type === 'text')
    .map((block) => block.text)
    .join(' ');
  return `The tool ${name} reported an error${text ? `: ${sentence(text)}` : ''}.`;
}
