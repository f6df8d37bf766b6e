/**
 * Sign-ins survive a restart. With the embedded Entra emulator, the emulator keeps its
 * signing key, sessions, grants and refresh tokens in the server's own store (SQLite
 * under DATA_DIR, or Redis), so restarting the server — as every save under
 * `npm run start:dev` does — keeps every client's Microsoft Graph access: the old
 * access token still works, and so does the Entra refresh behind it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { connectClient, firstText, McpTransportName } from '../src/mcp/testing/mcp-test-clients';
import { redisAnswersSync } from '../src/store/testing/redis-probe';
import { authorizeUrl, authorizeWithBrowser, GENEROUS_RATE_LIMITS, newPkce, obtainTokens, redeemCode, TokenSet } from './support/oauth-flow';
import { requireOrSkip } from './support/requirements';
import { freePort, startTestServer, TestServer } from './support/test-app';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const redisAvailable = requireOrSkip('Redis', redisAnswersSync(REDIS_URL), 'start redis-server or set REDIS_URL');

async function userName(server: TestServer, transport: McpTransportName, accessToken: string): Promise<string> {
  const { client, close } = await connectClient(server.url, transport, accessToken);
  try {
    return firstText(await client.callTool({ name: 'get_user_name', arguments: {} }));
  } finally {
    await close();
  }
}

describe.each([
  ['SQLite under DATA_DIR', {}],
  ...(redisAvailable ? [['Redis', { REDIS_URL }] as [string, Record<string, string>]] : []),
])('A restart of the server with the embedded emulator (%s)', (_store, storeEnv) => {
  jest.setTimeout(60_000);
  let dataDir: string;
  let env: Record<string, string>;
  let server: TestServer | undefined;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mcp-entra-restart-'));
    env = {
      ...GENEROUS_RATE_LIMITS,
      ...storeEnv,
      REDIS_KEY_PREFIX: `restart-test-${randomUUID()}:`,
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMULATOR_PORT: String(await freePort()),
    };
    server = await startTestServer(env);
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function restart(): Promise<TestServer> {
    await server!.close();
    // This process's fetch keeps connections to the old server alive; give it a moment to see them
    // closed, or its next request may go out on one ("other side closed"). A client in another process sees the same.
    await new Promise((resolve) => setTimeout(resolve, 500));
    server = await startTestServer(env);
    return server;
  }

  it('keeps the sign-in: the old access token still reads "Adele Vance" from Graph, with no new sign-in', async () => {
    const tokens = await obtainTokens(server!, { user: 'Adele Vance' });
    expect(await userName(server!, 'streamable-http', tokens.accessToken)).toBe('Adele Vance');

    const restarted = await restart();
    const emulator = restarted.app.get(EntraEmulator);
    emulator.resetGraphRequestCount();
    expect(await userName(restarted, 'sse', tokens.accessToken)).toBe('Adele Vance');
    expect(await userName(restarted, 'streamable-http', tokens.accessToken)).toBe('Adele Vance');
    // Graph accepted the Entra access token issued before the restart (same signing key).
    expect(emulator.graphRequestCount).toBeGreaterThan(0);
  });

  it('refreshes the expired Entra access token after the restart (the refresh token survived too)', async () => {
    server!.app.get(EntraEmulator).setAccessTokenLifetime(1);
    const tokens = await obtainTokens(server!, { user: 'Adele Vance' });

    const restarted = await restart();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // The Entra access token held for this grant has expired: reading Graph needs the refresh token.
    expect(await userName(restarted, 'streamable-http', tokens.accessToken)).toBe('Adele Vance');
  });

  it('keeps the emulator session: the same browser is signed in again silently', async () => {
    const first = await obtainTokens(server!, { user: 'Adele Vance' });
    const restarted = await restart();
    const pkce = newPkce();
    const flow = await authorizeWithBrowser(restarted, authorizeUrl(restarted, { client: first.client, pkce }), { jar: first.jar });
    expect(flow).toMatchObject({ reachedClient: true, consentShown: false, signInShown: false });
    const response = await redeemCode(restarted, first.client, flow.code!, pkce);
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as TokenSet;
    expect(await userName(restarted, 'streamable-http', access_token)).toBe('Adele Vance');
  });
});
