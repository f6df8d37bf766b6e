/**
 * MCP Inspector's CLI (2.x, needs Node ≥ 22: fetched with `npx -p node@22`) against both
 * transports, with a bearer token from the real OAuth flow. The download is slow, so this
 * suite runs only with RUN_INSPECTOR=1 (`npm run test:inspector`).
 */
import { execFile } from 'node:child_process';
import { GENEROUS_RATE_LIMITS, obtainTokens } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

const RUN = process.env.RUN_INSPECTOR === '1';
const INSPECTOR = process.env.INSPECTOR_PACKAGE ?? '@modelcontextprotocol/inspector@^2';

if (!RUN) process.stderr.write('\nSkipping the MCP Inspector CLI suite: set RUN_INSPECTOR=1 (npm run test:inspector).\n\n');

/** Runs `mcp-inspector --cli …` and parses the JSON it prints. */
function inspector(args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      'npx',
      ['-y', '-p', 'node@22', '-p', INSPECTOR, 'mcp-inspector', '--cli', ...args],
      { timeout: 600_000, maxBuffer: 10 * 1024 * 1024, env: { ...process.env, npm_config_yes: 'true' } },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`inspector failed: ${error.message}\n${stderr.slice(-2000)}`));
        try {
          resolve(JSON.parse(stdout.slice(stdout.indexOf('{'))));
        } catch {
          reject(new Error(`inspector printed no JSON:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
        }
      },
    );
  });
}

(RUN ? describe : describe.skip)('MCP Inspector CLI', () => {
  jest.setTimeout(900_000);
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
      inspector([`${server.url}${path}`, '--transport', transport, '--header', `Authorization: Bearer ${accessToken}`, ...method]);

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
