import type { McpClient } from './connection';
import { withToolsListedBeforeCalls } from './connection';

describe('withToolsListedBeforeCalls (MCP 2026-07-28: Mcp-Param-* headers come from listed tool definitions)', () => {
  it('lists every page of tools once before the first call, and not again for later calls', async () => {
    const calls: string[] = [];
    const inner: McpClient = {
      listTools: async (params) => {
        calls.push(`list ${params?.cursor ?? 'first'}`);
        return params?.cursor ? { tools: [] } : { tools: [], nextCursor: 'p2' };
      },
      callTool: async ({ name }) => {
        calls.push(`call ${name}`);
        return { content: [] };
      },
    };
    const client = withToolsListedBeforeCalls(inner);
    await client.callTool({ name: 'a' });
    await client.callTool({ name: 'b' });
    expect(calls).toEqual(['list first', 'list p2', 'call a', 'call b']);
  });
});
