/**
 * When a grant ends mid-use — Entra refuses to refresh the Microsoft sign-in behind it — the
 * MCP request that finds it gone is answered like any invalid token: 401 with the
 * `invalid_token` challenge, so the client signs in again at once (instead of a tool error
 * for that call and a sign-in only on its next run).
 */
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { GENEROUS_RATE_LIMITS, obtainTokens, refreshTokens } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'grant-ends-test', version: '1.0.0' } },
};

describe('When Entra ends the sign-in behind a grant', () => {
  jest.setTimeout(60_000);
  let server: TestServer;
  let emulator: EntraEmulator;

  beforeAll(async () => {
    server = await startTestServer(GENEROUS_RATE_LIMITS);
    emulator = server.app.get(EntraEmulator);
  });

  afterAll(async () => {
    await server?.close();
  });

  /** Signs in with an Entra token that is already due for refresh, then has Entra revoke every refresh token. */
  async function grantWhoseEntraSessionEnded() {
    emulator.setAccessTokenLifetime(30); // inside the 60 s refresh margin: due for refresh at once
    try {
      const tokens = await obtainTokens(server);
      expect(await emulator.revokeRefreshTokens()).toBeGreaterThan(0);
      return tokens;
    } finally {
      emulator.setAccessTokenLifetime(3600);
    }
  }

  it.each([
    ['POST /mcp', (token: string) => fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(INITIALIZE),
    })],
    ['GET /sse', (token: string) => fetch(`${server.url}/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } })],
  ])('%s answers 401 with the invalid_token challenge, and the grant is gone', async (_name, request) => {
    const { accessToken, refreshToken, client } = await grantWhoseEntraSessionEnded();

    const response = await request(accessToken);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource"`);
    await response.body?.cancel();

    // The client's refresh fails too: it has to sign in again.
    const refreshed = await refreshTokens(server, client, refreshToken!);
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('keeps a grant whose Entra token is merely due for refresh: the request refreshes it and goes through', async () => {
    emulator.setAccessTokenLifetime(30);
    let tokens;
    try {
      tokens = await obtainTokens(server);
    } finally {
      emulator.setAccessTokenLifetime(3600);
    }
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(INITIALIZE),
    });
    expect(response.status).toBe(200);
    await response.body?.cancel();
  });
});
