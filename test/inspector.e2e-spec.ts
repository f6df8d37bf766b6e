/**
 * MCP Inspector's CLI (2.12, on Node 22 from the devDependencies) against both transports,
 * with a bearer token from the real OAuth flow: Inspector lists the tools and calls
 * get_user_name. Runs in CI; without Node 22 or Inspector installed it skips loudly.
 */
import { GENEROUS_RATE_LIMITS, obtainTokens } from './support/oauth-flow';
import { inspectorCli, requireInspector } from './support/inspector';
import { startTestServer, TestServer } from './support/test-app';

(requireInspector() ? describe : describe.skip)('MCP Inspector CLI', () => {
  jest.setTimeout(180_000);
  let server: TestServer;
  let accessToken: string;

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS });
    ({ accessToken } = await obtainTokens(server));
  });

  afterAll(async () => {
    await server?.close();
  });

  describe.each([
    ['sse', '/sse'],
    ['http', '/mcp'],
  ])('over --transport %s', (transport, path) => {
    const run = (method: string[]) =>
      inspectorCli([`${server.url}${path}`, '--transport', transport, '--header', `Authorization: Bearer ${accessToken}`, ...method]);

    it('lists the tools', async () => {
      const listed = (await run(['--method', 'tools/list'])) as { tools: { name: string }[] };
      // Adele Vance (the default demo user) holds the Tools.Admin app role: she also sees get_server_status.
      expect(listed.tools.map((tool) => tool.name).sort()).toEqual(['get_server_status', 'get_user_name', 'get_user_profile', 'whoami']);
    });

    it('calls get_user_name and gets "Adele Vance"', async () => {
      const result = (await run(['--method', 'tools/call', '--tool-name', 'get_user_name'])) as { content: { type: string; text: string }[] };
      expect(result.content[0]).toEqual({ type: 'text', text: 'Adele Vance' });
    });
  });
});
