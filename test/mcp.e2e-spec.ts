/**
 * The MCP endpoints as an MCP client sees them, after the real OAuth flow against the
 * embedded Entra emulator: `/mcp` Streamable HTTP on MCP 2026-07-28 (SDK v2 client) and on
 * 2025-11-25 (SDK v1 client), both stateless, and HTTP+SSE (`/sse` + `/messages`); the bearer
 * guard and its exact challenges, SSE sessions bound to their grant, the user on every tool
 * call, Graph failures as clear tool errors, and open SSE streams closing once their grant ends.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { McpSessionRegistry } from '../src/mcp/mcp-session.registry';
import {
  connectClient as connect,
  ConnectedClient,
  endsWithin,
  firstText,
  McpTransportName,
  openSessionStream,
  SessionStream,
} from '../src/mcp/testing/mcp-test-clients';
import { GENEROUS_RATE_LIMITS, obtainTokens, ObtainedTokens, refreshTokens, revokeToken, TokenSet } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(120_000);

const JSON_AND_SSE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const PROTOCOL_VERSION = '2025-11-25';
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const toolCall = (name: string, id = 2) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });
const TRANSPORTS: McpTransportName[] = ['streamable-http-2026', 'streamable-http', 'sse'];

/**
 * A raw `tools/call` as each transport sends it: into the SSE session, or a stateless `/mcp`
 * request (2026-07-28: `_meta` envelope and Mcp-Method/Mcp-Name headers; 2025: the version header).
 */
function postToolCall(server: TestServer, transport: McpTransportName, sessionId: string, accessToken: string, name: string, id: number): Promise<Response> {
  const headers: Record<string, string> = { ...JSON_AND_SSE, authorization: `Bearer ${accessToken}` };
  let body: Record<string, unknown> = toolCall(name, id);
  if (transport === 'streamable-http-2026') {
    Object.assign(headers, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name });
    const _meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    body = { ...body, params: { name, arguments: {}, _meta } };
  } else if (transport === 'streamable-http') {
    headers['mcp-protocol-version'] = PROTOCOL_VERSION;
  }
  const path = transport === 'sse' ? `/messages?sessionId=${encodeURIComponent(sessionId)}` : '/mcp';
  return fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** fetch cannot send another Host header: plain http. */
function requestWithHost(url: string, host: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: body ? 'POST' : 'GET', headers: { ...headers, host } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Clients still open when a test fails are closed after it, so a failure never leaves the suite hanging. */
const openClients = new Set<ConnectedClient>();
async function connectClient(url: string, transport: McpTransportName, accessToken: string): Promise<ConnectedClient> {
  const connected = await connect(url, transport, accessToken);
  openClients.add(connected);
  return { ...connected, close: () => (openClients.delete(connected), connected.close()) };
}
afterEach(async () => {
  await Promise.all([...openClients].map((c) => c.close().catch(() => undefined)));
  openClients.clear();
});

describe('MCP endpoints', () => {
  let server: TestServer;
  let emulator: EntraEmulator;
  let adele: ObtainedTokens;
  let megan: ObtainedTokens;
  let challenge: string;

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS });
    emulator = server.app.get(EntraEmulator);
    adele = await obtainTokens(server);
    megan = await obtainTokens(server, { user: 'Megan Bowen' });
    challenge = `Bearer resource_metadata="${server.config.serverOrigin}/.well-known/oauth-protected-resource", scope="mcp:tools user.read"`;
  });

  afterAll(async () => {
    emulator?.setGraphFailure('none');
    await server?.close();
  });

  describe('the bearer guard', () => {
    it.each([
      ['POST', '/mcp'],
      ['GET', '/sse'],
      ['POST', '/messages?sessionId=any'],
    ])('answers %s %s without a token with 401 and WWW-Authenticate naming the resource metadata and scopes', async (method, path) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: JSON_AND_SSE, body: method === 'POST' ? JSON.stringify(initialize) : undefined });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(challenge);
    });

    it.each([
      ['an unknown token', 'x'.repeat(43)],
      ['a JWT (an Entra token is never accepted: no passthrough)', 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2ln'],
    ])('answers %s with 401 error="invalid_token"', async (_what, token) => {
      const response = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { ...JSON_AND_SSE, authorization: `Bearer ${token}` }, body: JSON.stringify(initialize) });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(`${challenge}, error="invalid_token"`);
    });

    it('does not accept a valid token in the query string', async () => {
      const response = await fetch(`${server.url}/sse?access_token=${adele.accessToken}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(challenge);
    });

    it('refuses a Host header other than SERVER_URL (DNS rebinding), even with a valid token', async () => {
      const headers = { ...JSON_AND_SSE, authorization: `Bearer ${adele.accessToken}` };
      expect((await requestWithHost(`${server.url}/mcp`, 'attacker.example', headers, JSON.stringify(initialize))).status).toBe(403);
      expect((await requestWithHost(`${server.url}/sse`, `127.0.0.1:${server.config.port}`, headers)).status).toBe(403);
      expect((await requestWithHost(`${server.url}/mcp`, new URL(server.url).host, headers, JSON.stringify(initialize))).status).toBe(200);
    });
  });

  describe.each(TRANSPORTS)('over %s', (transport) => {
    it('lists the tools and gets "Adele Vance" from get_user_name', async () => {
      const { client, protocolVersion, close } = await connectClient(server.url, transport, adele.accessToken);
      expect(protocolVersion).toBe({ 'streamable-http-2026': '2026-07-28', 'streamable-http': '2025-11-25', sse: '2025-11-25' }[transport]);
      const { tools } = await client.listTools();
      // Adele Vance holds the Tools.Admin app role, so she also sees the role-gated get_server_status.
      expect(tools.map((tool) => tool.name).sort()).toEqual(['get_server_status', 'get_user_name', 'get_user_profile', 'whoami']);
      expect(firstText(await client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      await close();
    });

    it('gives each user their own name and profile (no cross-user cache)', async () => {
      const adeleClient = await connectClient(server.url, transport, adele.accessToken);
      const meganClient = await connectClient(server.url, transport, megan.accessToken);
      expect(firstText(await meganClient.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Megan Bowen');
      expect(firstText(await adeleClient.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      const profile = await meganClient.client.callTool({ name: 'get_user_profile', arguments: {} });
      expect(profile.structuredContent).toMatchObject({ displayName: 'Megan Bowen', userPrincipalName: expect.stringMatching(/^MeganB@/i) });
      const whoami = await meganClient.client.callTool({ name: 'whoami', arguments: {} });
      expect(whoami.structuredContent).toMatchObject({ name: 'Megan Bowen', clientId: megan.clientId, scopes: ['mcp:tools', 'user.read'] });
      await Promise.all([adeleClient.close(), meganClient.close()]);
    });

    it('answers 403 insufficient_scope, naming the scopes, when a token with only mcp:tools calls get_user_name', async () => {
      const toolsOnly = await obtainTokens(server, { scope: 'mcp:tools' });
      expect(toolsOnly.scope).toBe('mcp:tools');
      const { client, sessionId, close } = await connectClient(server.url, transport, toolsOnly.accessToken);
      expect((await client.callTool({ name: 'whoami', arguments: {} })).structuredContent).toMatchObject({ scopes: ['mcp:tools'] });
      const response = await postToolCall(server, transport, sessionId, toolsOnly.accessToken, 'get_user_name', 5);
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${server.config.serverOrigin}/.well-known/oauth-protected-resource", scope="mcp:tools user.read", error="insufficient_scope", error_description="The tool get_user_name needs the scope mcp:tools user.read."`,
      );
      await close();
    });

    it('answers 401 on the next request once the token is revoked (POST /revoke)', async () => {
      const tokens = await obtainTokens(server);
      const { client, sessionId, close } = await connectClient(server.url, transport, tokens.accessToken);
      expect(firstText(await client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      expect((await revokeToken(server, tokens.client, tokens.accessToken)).status).toBe(200);
      const next = await postToolCall(server, transport, sessionId, tokens.accessToken, 'whoami', 9);
      expect(next.status).toBe(401);
      expect(next.headers.get('www-authenticate')).toBe(`${challenge}, error="invalid_token"`);
      await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow();
      await close();
    });
  });

  it("does not let a second user's token post into the first user's HTTP+SSE session (404), and the session survives", async () => {
    const adeleClient = await connectClient(server.url, 'sse', adele.accessToken);
    const intrusion = await postToolCall(server, 'sse', adeleClient.sessionId, megan.accessToken, 'get_user_name', 77);
    expect(intrusion.status).toBe(404);
    expect(firstText(await adeleClient.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
    await adeleClient.close();
  });

  it('keeps no session on /mcp: no Mcp-Session-Id on either revision, so any instance can answer any request', async () => {
    const init = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { ...JSON_AND_SSE, authorization: `Bearer ${adele.accessToken}` }, body: JSON.stringify(initialize) });
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    await init.text();
    for (const transport of ['streamable-http-2026', 'streamable-http'] as const) {
      const response = await postToolCall(server, transport, '', adele.accessToken, 'get_user_name', 3);
      expect(response.status).toBe(200);
      expect(response.headers.get('mcp-session-id')).toBeNull();
      expect(await response.text()).toContain('Adele Vance');
    }
  });

  describe('when Microsoft Graph fails', () => {
    let client: ConnectedClient;

    beforeAll(async () => {
      // A grant of its own: nothing of it is cached yet, and failures are never cached.
      const tokens = await obtainTokens(server, { user: 'Alex Wilber' });
      // Shared by the tests below (not closed after each).
      client = await connect(server.url, 'streamable-http', tokens.accessToken);
    });

    afterAll(async () => {
      emulator.setGraphFailure('none');
      await client?.close();
    });

    it.each([
      ['401 (after one forced refresh and retry)', '401', 2, 'Microsoft Graph no longer accepts your sign-in; please sign in again.'],
      ['429 (after waiting Retry-After once)', '429', 2, 'Microsoft Graph is throttling requests; please try again in 1 second.'],
      ['503 (after waiting Retry-After once)', '503', 2, 'Microsoft Graph is temporarily unavailable (HTTP 503); please try again shortly.'],
      ['an unreachable Graph', 'unreachable', 1, 'Microsoft Graph could not be reached; please try again later.'],
    ] as const)('turns %s into a tool error with one clear sentence', async (_what, failure, requests, message) => {
      emulator.setGraphFailure(failure);
      emulator.resetGraphRequestCount();
      const result = await client.client.callTool({ name: 'get_user_name', arguments: {} });
      expect(result.isError).toBe(true);
      expect(firstText(result)).toBe(message);
      expect(emulator.graphRequestCount).toBe(requests);
    });

    it('keeps the session usable, and answers again once Graph is back', async () => {
      emulator.setGraphFailure('none');
      expect(firstText(await client.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Alex Wilber');
    });
  });

  it('refreshes an expired Entra access token transparently', async () => {
    emulator.setAccessTokenLifetime(1);
    try {
      const tokens = await obtainTokens(server, { user: 'Megan Bowen' });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // The Entra token held for this grant has expired: Graph would answer 401 to it.
      // The refreshed one gets a normal lifetime, so a slow machine cannot see it expire too.
      emulator.setAccessTokenLifetime(3600);
      emulator.resetGraphRequestCount();
      const { client, close } = await connectClient(server.url, 'sse', tokens.accessToken);
      expect(firstText(await client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Megan Bowen');
      expect(emulator.graphRequestCount).toBe(1);
      await close();
    } finally {
      emulator.setAccessTokenLifetime(3600);
    }
  });

  it('makes one Graph request for a burst of calls by one user (60 s cache)', async () => {
    const tokens = await obtainTokens(server, { user: 'Alex Wilber' });
    const { client, close } = await connectClient(server.url, 'streamable-http', tokens.accessToken);
    emulator.resetGraphRequestCount();
    const names = await Promise.all(Array.from({ length: 10 }, () => client.callTool({ name: 'get_user_name', arguments: {} }).then(firstText)));
    expect(new Set(names)).toEqual(new Set(['Alex Wilber']));
    expect(emulator.graphRequestCount).toBe(1);
    await close();
  });

});

describe('open HTTP+SSE streams of an ended grant', () => {
  // The session sweep runs at the shorter of its grant-check interval (20 s) and a quarter of
  // MCP_SESSION_IDLE_SECONDS: at the minimum of 10 s, this server re-checks grants every 2.5 s.
  let server: TestServer;
  const streams = new Set<SessionStream>();
  const open = async (accessToken: string): Promise<SessionStream> => {
    const stream = await openSessionStream(server.url, 'sse', accessToken);
    streams.add(stream);
    return stream;
  };

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, MCP_SESSION_IDLE_SECONDS: '10' });
  });
  afterEach(() => {
    streams.forEach((stream) => stream.abort());
    streams.clear();
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('GET /sse', () => {
    it("closes an open session stream once its grant is revoked (POST /revoke), and keeps other grants' sessions", async () => {
      const [adele, megan] = [await obtainTokens(server), await obtainTokens(server, { user: 'Megan Bowen' })];
      const other = await open(megan.accessToken);
      const revoked = await open(adele.accessToken);
      expect((await revokeToken(server, adele.client, adele.accessToken)).status).toBe(200);
      expect(await endsWithin(revoked, 6_000)).toBe('ended');
      expect(server.app.get(McpSessionRegistry).peek(revoked.sessionId)).toBeUndefined();
      expect(await endsWithin(other, 500)).toBe('open');
    });

    it('closes an open session stream once a replayed refresh token revokes its grant', async () => {
      const tokens = await obtainTokens(server);
      const stream = await open(tokens.accessToken);
      const first = await refreshTokens(server, tokens.client, tokens.refreshToken!);
      const successor = (await first.json()) as TokenSet;
      expect((await refreshTokens(server, tokens.client, successor.refresh_token!)).status).toBe(200);
      // The first refresh token again, after its successor was used: the whole grant is revoked.
      expect((await refreshTokens(server, tokens.client, tokens.refreshToken!)).status).toBe(400);
      expect(await endsWithin(stream, 6_000)).toBe('ended');
    });
  });
});
