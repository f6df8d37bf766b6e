import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallHandler, ExecutionContext, Global, Injectable, Logger, Module, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Observable, tap } from 'rxjs';
import { z } from 'zod';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/app-config.module';
import { loadConfig } from '../config/load-config';
import { AccessTokenVerifier, InvalidTokenError } from '../shared/access-token-verifier.port';
import { GrantLiveness } from '../oauth/grant-liveness';
import { GrantsModule } from '../oauth/grants.module';
import { OAuthModule } from '../oauth/oauth.module';
import { UpstreamTokens } from '../oauth/upstream-tokens';
import { UserContext } from '../shared/user-context';
import { InProcessMessageBus } from '../store/in-process.message-bus';
import { MemoryStore } from '../store/memory.store';
import { MessageBus } from '../store/message-bus.port';
import { Store } from '../store/store.port';
import { McpSessionRegistry } from './mcp-session.registry';
import { McpTool } from './mcp-tool.decorator';
import { McpModule } from './mcp.module';
import { MCP_OPTIONS } from './mcp.options';
import { connectClient, endsWithin, firstText, McpTransportName, openSessionStream } from './testing/mcp-test-clients';
import { ToolCall } from './tool-call';
import { ToolError } from './tool-error';
import { UserContextAccessor } from './user-context.accessor';

/*
 * McpModule wired as in production, with fakes for the OAuth ports and a tiny
 * Graph: the guard, `/mcp` on both protocol eras, HTTP+SSE sessions and the tool machinery
 * (ExternalContextCreator, interceptors, AsyncLocalStorage). The full OAuth flow
 * with the Entra emulator is in test/mcp.e2e-spec.ts.
 */

const user = (name: string, grantId: string, scopes = ['mcp:tools', 'user.read']): UserContext => ({
  oid: `oid-${name}`,
  tid: 'tenant',
  name,
  preferredUsername: `${name.replace(' ', '.').toLowerCase()}@contoso.com`,
  clientId: 'client-1',
  scopes,
  roles: [],
  groups: [],
  grantId,
});
const TOKENS: Record<string, UserContext> = {
  'adele-token': user('Adele Vance', 'grant-adele'),
  'megan-token': user('Megan Bowen', 'grant-megan'),
  'tools-only-token': user('Alex Wilber', 'grant-alex', ['mcp:tools']),
  'read-only-token': user('Alex Wilber', 'grant-alex2', ['user.read']),
  // Used only while Graph fails: nothing cached for these grants.
  'graph-down-streamable-http-2026-token': user('Adele Vance', 'grant-adele-2'),
  'graph-down-streamable-http-token': user('Adele Vance', 'grant-adele-3'),
  'graph-down-sse-token': user('Adele Vance', 'grant-adele-4'),
  // A grant that ends (revoked elsewhere) during a test.
  'ending-sse-token': user('Alex Wilber', 'grant-ending-sse'),
  // Opens MCP_MAX_SESSIONS_PER_GRANT sessions, then one more.
  'capped-token': user('Megan Bowen', 'grant-capped'),
};

class FakeVerifier extends AccessTokenVerifier {
  async verify(token: string): Promise<UserContext> {
    const found = TOKENS[token];
    if (!found) throw new InvalidTokenError();
    return found;
  }
}

class FakeUpstreamTokens extends UpstreamTokens {
  async getGraphAccessToken(grantId: string): Promise<string> {
    return `entra-${grantId}`;
  }
  async refreshIfExpired(): Promise<void> {}
}

/** Grants named in `ended` are over (revoked on some instance); every other grant is alive. */
class FakeGrantLiveness extends GrantLiveness {
  static readonly ended = new Set<string>();
  async isActive(grantId: string): Promise<boolean> {
    return !FakeGrantLiveness.ended.has(grantId);
  }
}

@Module({
  providers: [
    { provide: AccessTokenVerifier, useClass: FakeVerifier },
    { provide: UpstreamTokens, useClass: FakeUpstreamTokens },
    { provide: GrantLiveness, useClass: FakeGrantLiveness },
  ],
  exports: [AccessTokenVerifier, GrantLiveness, UpstreamTokens],
})
class FakeOAuthModule {}

/** What StoreModule provides to the whole app, in memory. */
@Global()
@Module({
  providers: [
    { provide: Store, useValue: new MemoryStore() },
    { provide: MessageBus, useValue: new InProcessMessageBus() },
  ],
  exports: [Store, MessageBus],
})
class InMemoryStoreModule {}

/** Counts the tool calls it wraps: proves that ordinary Nest interceptors wrap tools on both transports. */
@Injectable()
class CountingInterceptor implements NestInterceptor {
  static calls: string[] = [];
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const call = context.getArgByIndex<ToolCall>(0);
    return next.handle().pipe(tap(() => CountingInterceptor.calls.push(`${context.getType()}:${call.tool}`)));
  }
}

/** A tool class added by the test, exactly as a feature module would add one. */
@Injectable()
class ProbeTools {
  constructor(private readonly currentUser: UserContextAccessor) {}

  @McpTool({
    name: 'probe_user_after_delay',
    description: 'Reads the current user after an await (AsyncLocalStorage must survive it).',
    inputSchema: z.object({ delayMs: z.number().int().min(0).max(200) }),
    requiredScopes: ['mcp:tools'],
  })
  @UseInterceptors(CountingInterceptor)
  async probe(call: ToolCall<{ delayMs: number }>): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, call.input.delayMs));
    return this.currentUser.get().name;
  }

  @McpTool({ name: 'probe_fail', description: 'Fails.', inputSchema: z.object({ kind: z.enum(['tool', 'bug']) }), requiredScopes: ['mcp:tools'] })
  fail(call: ToolCall<{ kind: 'tool' | 'bug' }>): never {
    if (call.input.kind === 'tool') throw new ToolError('The probe failed on purpose.');
    throw new Error('secret internal detail');
  }
}

/** Graph `/me` by Entra token; `status` scripts a failure. */
class TinyGraph {
  status = 200;
  requests = 0;
  private server!: Server;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      this.requests += 1;
      if (this.status !== 200) {
        res.writeHead(this.status, { 'content-type': 'application/json', 'retry-after': '0' }).end('{}');
        return;
      }
      const grant = (req.headers.authorization ?? '').replace('Bearer entra-', '');
      const found = Object.values(TOKENS).find((u) => u.grantId === grant);
      res.writeHead(found ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(found ? { displayName: found.name, mail: found.preferredUsername, jobTitle: 'Tester', userPrincipalName: found.preferredUsername } : {}));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1.0`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Raw HTTP (fetch cannot set Host). */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const JSON_AND_SSE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const callTool = (name: string, id = 2) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });
const MODERN = '2026-07-28';
/** The per-request `_meta` envelope of MCP 2026-07-28. */
const envelope = (protocolVersion = MODERN) => ({
  'io.modelcontextprotocol/protocolVersion': protocolVersion,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
});
/** A raw 2026-07-28 request: envelope in `_meta`, method (and tool name) in headers. */
function modernRequest(token: string, method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}): RequestInit {
  const name: Record<string, string> = typeof params.name === 'string' ? { 'mcp-name': params.name } : {};
  return {
    method: 'POST',
    headers: { ...JSON_AND_SSE, authorization: `Bearer ${token}`, 'mcp-protocol-version': MODERN, 'mcp-method': method, ...name, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: envelope() } }),
  };
}

const TRANSPORTS: McpTransportName[] = ['streamable-http-2026', 'streamable-http', 'sse'];

describe('McpModule (fake OAuth ports, tiny Graph)', () => {
  jest.setTimeout(30_000);
  const graph = new TinyGraph();
  let app: NestExpressApplication;
  let config: AppConfig;
  let url: string;
  let dataDir: string;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await graph.start();
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'mcp-spec-'));
    config = loadConfig({ NODE_ENV: 'test', PORT: String(port), DATA_DIR: dataDir, GRAPH_BASE_URL: graph.url, LOG_LEVEL: 'silent', MCP_MAX_SESSIONS_PER_GRANT: '3' });
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forConfig(config), InMemoryStoreModule, AuditModule, McpModule],
      providers: [ProbeTools],
    })
      .overrideModule(OAuthModule)
      .useModule(FakeOAuthModule)
      .overrideModule(GrantsModule)
      .useModule(FakeOAuthModule)
      .overrideProvider(MCP_OPTIONS)
      .useValue({ keepAliveMs: 50, grantCheckMs: 100, sseOwnershipTtlMs: 30_000, sseDeliveryTimeoutMs: 3_000 })
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
    app.useBodyParser('json', { limit: '256kb' });
    await app.listen(port, '127.0.0.1');
    url = config.serverUrl;
  });

  afterAll(async () => {
    await app.close();
    await graph.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    graph.status = 200;
  });

  describe('the bearer guard', () => {
    const challenge = () => `Bearer resource_metadata="${config.serverOrigin}/.well-known/oauth-protected-resource", scope="mcp:tools user.read"`;

    it.each([
      ['POST', '/mcp'],
      ['GET', '/mcp'],
      ['DELETE', '/mcp'],
      ['GET', '/sse'],
      ['POST', '/messages?sessionId=x'],
    ])('answers %s %s without a token with 401 and the exact WWW-Authenticate', async (method, path) => {
      const res = await fetch(`${url}${path}`, { method, headers: JSON_AND_SSE, body: method === 'POST' ? JSON.stringify(initialize) : undefined });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(challenge());
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('answers a bad token with 401 and error="invalid_token", on a 2026-07-28 request too', async () => {
      const res = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...JSON_AND_SSE, authorization: 'Bearer not-a-token' }, body: JSON.stringify(initialize) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`${challenge()}, error="invalid_token"`);
      expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid, expired or revoked.' });
      const modern = await fetch(`${url}/mcp`, modernRequest('not-a-token', 'tools/list'));
      expect(modern.status).toBe(401);
      expect(modern.headers.get('www-authenticate')).toBe(`${challenge()}, error="invalid_token"`);
    });

    it('never accepts a token in the query string or the body', async () => {
      const inQuery = await fetch(`${url}/sse?access_token=adele-token`);
      expect(inQuery.status).toBe(401);
      expect(inQuery.headers.get('www-authenticate')).toBe(challenge());
      const inBody = await fetch(`${url}/mcp`, { method: 'POST', headers: JSON_AND_SSE, body: JSON.stringify({ ...initialize, access_token: 'adele-token' }) });
      expect(inBody.status).toBe(401);
    });

    it('answers a token without mcp:tools with 403 insufficient_scope naming mcp:tools', async () => {
      for (const res of [await fetch(`${url}/sse`, { headers: { authorization: 'Bearer read-only-token' } }), await fetch(`${url}/mcp`, modernRequest('read-only-token', 'tools/list'))]) {
        expect(res.status).toBe(403);
        expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
        expect(res.headers.get('www-authenticate')).toContain('scope="mcp:tools"');
      }
    });
  });

  it('refuses a Host header other than SERVER_URL (DNS rebinding), even with a valid token', async () => {
    const res = await rawRequest(`${url}/mcp`, {
      method: 'POST',
      headers: { ...JSON_AND_SSE, host: 'evil.example:80', authorization: 'Bearer adele-token' },
      body: JSON.stringify(initialize),
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Invalid Host header' }, id: null });
    const sse = await rawRequest(`${url}/sse`, { headers: { host: 'evil.example', authorization: 'Bearer adele-token' } });
    expect(sse.status).toBe(403);
  });

  it('answers CORS preflights on /mcp for browser clients (2026-07-28 headers included), and not on /sse', async () => {
    const preflight = await fetch(`${url}/mcp`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, mcp-method, mcp-name' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization.*Content-Type.*Mcp-Protocol-Version.*Mcp-Method.*Mcp-Name/);
    const unauthorized = await fetch(`${url}/mcp`, { method: 'POST', headers: { origin: 'https://app.example' } });
    expect(unauthorized.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
    const initialized = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { ...JSON_AND_SSE, origin: 'https://app.example', authorization: 'Bearer adele-token' },
      body: JSON.stringify(initialize),
    });
    expect(initialized.status).toBe(200);
    expect(initialized.headers.get('access-control-allow-origin')).toBe('*');
    await initialized.body?.cancel();
    const sse = await fetch(`${url}/sse`, { headers: { origin: 'https://app.example' } });
    expect(sse.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('names itself with the version from package.json and lists every registered tool in its instructions', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const { client, close } = await connectClient(url, 'streamable-http', 'adele-token');
    expect(client.getServerVersion()).toMatchObject({ name: 'mcp-entra-server', version });
    const instructions = client.getInstructions() ?? '';
    expect(instructions).toContain(`mcp-entra-server ${version}`);
    for (const tool of ['get_user_name', 'get_user_profile', 'whoami', 'probe_fail', 'probe_user_after_delay']) expect(instructions).toContain(`${tool} (`);
    await close();
  });

  describe.each(TRANSPORTS)('over %s', (transport) => {
    it('negotiates its protocol revision and lists the tools with their input schemas', async () => {
      const { client, protocolVersion, close } = await connectClient(url, transport, 'adele-token');
      expect(protocolVersion).toBe({ 'streamable-http-2026': '2026-07-28', 'streamable-http': '2025-11-25', sse: '2025-11-25' }[transport]);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['get_user_name', 'get_user_profile', 'probe_fail', 'probe_user_after_delay', 'whoami']);
      expect(tools.find((t) => t.name === 'probe_user_after_delay')?.inputSchema).toMatchObject({
        type: 'object',
        properties: { delayMs: { type: 'integer' } },
        required: ['delayMs'],
      });
      await close();
    });

    it("gets the user's name from Graph, and Megan gets hers (no cross-user cache)", async () => {
      const adele = await connectClient(url, transport, 'adele-token');
      const megan = await connectClient(url, transport, 'megan-token');
      expect(firstText(await adele.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      expect(firstText(await megan.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Megan Bowen');
      const profile = await adele.client.callTool({ name: 'get_user_profile', arguments: {} });
      expect(profile.structuredContent).toEqual({ displayName: 'Adele Vance', mail: 'adele.vance@contoso.com', jobTitle: 'Tester', userPrincipalName: 'adele.vance@contoso.com' });
      await Promise.all([adele.close(), megan.close()]);
    });

    it('runs every tool call inside the user context (AsyncLocalStorage), concurrently, through Nest interceptors', async () => {
      CountingInterceptor.calls = [];
      const adele = await connectClient(url, transport, 'adele-token');
      const megan = await connectClient(url, transport, 'megan-token');
      const names = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? megan : adele).client.callTool({ name: 'probe_user_after_delay', arguments: { delayMs: 20 + ((i * 7) % 30) } }).then(firstText),
        ),
      );
      expect(names).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 ? 'Megan Bowen' : 'Adele Vance')));
      expect(CountingInterceptor.calls).toEqual(Array(10).fill('mcp:probe_user_after_delay'));
      const whoami = await adele.client.callTool({ name: 'whoami', arguments: {} });
      expect(whoami.structuredContent).toEqual({
        oid: 'oid-Adele Vance',
        tid: 'tenant',
        name: 'Adele Vance',
        preferredUsername: 'adele.vance@contoso.com',
        clientId: 'client-1',
        scopes: ['mcp:tools', 'user.read'],
      });
      await Promise.all([adele.close(), megan.close()]);
    });

    it('turns failures into isError results with one clear sentence, and the client carries on', async () => {
      const { client, close } = await connectClient(url, transport, `graph-down-${transport}-token`);
      const own = await client.callTool({ name: 'probe_fail', arguments: { kind: 'tool' } });
      expect(own).toMatchObject({ isError: true });
      expect(firstText(own)).toBe('The probe failed on purpose.');
      const bug = await client.callTool({ name: 'probe_fail', arguments: { kind: 'bug' } });
      expect(firstText(bug)).toBe('The tool probe_fail failed unexpectedly; please try again later.');
      const invalid = await client.callTool({ name: 'probe_user_after_delay', arguments: { delayMs: 'soon' } });
      expect(invalid.isError).toBe(true);
      expect(firstText(invalid)).toMatch(/^Invalid arguments for probe_user_after_delay/);
      graph.status = 500;
      const upstream = await client.callTool({ name: 'get_user_profile', arguments: {} });
      expect(firstText(upstream)).toBe('Microsoft Graph is temporarily unavailable (HTTP 500); please try again shortly.');
      expect(firstText(await client.callTool({ name: 'probe_user_after_delay', arguments: { delayMs: 0 } }))).toBe('Adele Vance');
      await close();
    });

    it('refuses a tools/call needing user.read from a token with only mcp:tools: 403 insufficient_scope on the HTTP request', async () => {
      const { client, sessionId, close } = await connectClient(url, transport, 'tools-only-token');
      expect(firstText(await client.callTool({ name: 'whoami', arguments: {} }))).toContain('Alex Wilber');
      const request: RequestInit =
        transport === 'streamable-http-2026'
          ? modernRequest('tools-only-token', 'tools/call', { name: 'get_user_name', arguments: {} })
          : {
              method: 'POST',
              headers: { ...JSON_AND_SSE, authorization: 'Bearer tools-only-token', 'mcp-protocol-version': '2025-11-25' },
              body: JSON.stringify(callTool('get_user_name', 99)),
            };
      const res = await fetch(`${url}${transport === 'sse' ? `/messages?sessionId=${sessionId}` : '/mcp'}`, request);
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${config.serverOrigin}/.well-known/oauth-protected-resource", scope="mcp:tools user.read", error="insufficient_scope", error_description="The tool get_user_name needs the scope mcp:tools user.read."`,
      );
      await close();
    });
  });

  describe('/mcp on MCP 2026-07-28 (stateless, per-request envelope)', () => {
    it('answers server/discover with the revisions served, the tools capability, and a caching hint', async () => {
      const res = await fetch(`${url}/mcp`, modernRequest('adele-token', 'server/discover'));
      expect(res.status).toBe(200);
      expect(res.headers.get('mcp-session-id')).toBeNull();
      const { result } = (await res.json()) as { result: Record<string, unknown> };
      expect(result).toMatchObject({
        supportedVersions: [MODERN],
        capabilities: { tools: {} },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-entra-server' } },
      });
      expect(result).toMatchObject({ ttlMs: 300_000, cacheScope: 'private' });
    });

    it('puts a private caching hint on tools/list', async () => {
      const res = await fetch(`${url}/mcp`, modernRequest('adele-token', 'tools/list'));
      const { result } = (await res.json()) as { result: { tools: unknown[]; ttlMs: number; cacheScope: string } };
      expect(result.tools).toHaveLength(5);
      expect({ ttlMs: result.ttlMs, cacheScope: result.cacheScope }).toEqual({ ttlMs: 300_000, cacheScope: 'private' });
    });

    it('refuses a request whose Mcp-Method header disagrees with its body, before any tool runs', async () => {
      CountingInterceptor.calls = [];
      const res = await fetch(`${url}/mcp`, modernRequest('adele-token', 'tools/call', { name: 'probe_user_after_delay', arguments: { delayMs: 0 } }, { 'mcp-method': 'tools/list' }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
      const name = await fetch(`${url}/mcp`, modernRequest('adele-token', 'tools/call', { name: 'probe_user_after_delay', arguments: { delayMs: 0 } }, { 'mcp-name': 'whoami' }));
      expect(name.status).toBe(400);
      expect(((await name.json()) as { error: { code: number } }).error.code).toBe(-32020);
      expect(CountingInterceptor.calls).toEqual([]);
    });

    it('acknowledges subscriptions/listen with no notification types: the tool set never changes', async () => {
      const controller = new AbortController();
      const res = await fetch(`${url}/mcp`, {
        ...modernRequest('adele-token', 'subscriptions/listen', { notifications: { toolsListChanged: true } }),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      try {
        while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
      } finally {
        controller.abort();
      }
      const ack = JSON.parse(/data: (.*)\n/.exec(text)![1]!) as { method: string; params: { notifications: unknown } };
      expect(ack).toMatchObject({ method: 'notifications/subscriptions/acknowledged', params: { notifications: {} } });
    });

    it('answers a revision it does not serve with UnsupportedProtocolVersion, naming the ones it does', async () => {
      const request = modernRequest('adele-token', 'tools/list', {}, { 'mcp-protocol-version': '2099-01-01' });
      request.body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope('2099-01-01') } });
      const res = await fetch(`${url}/mcp`, request);
      const body = (await res.json()) as { error: { code: number; data: { supported: string[] } } };
      expect(body.error.code).toBe(-32022);
      expect(body.error.data.supported).toContain(MODERN);
    });
  });

  describe('/mcp on the 2025 revisions (stateless by default)', () => {
    it.each(['2025-11-25', '2025-06-18', '2025-03-26'])('initializes %s without issuing an Mcp-Session-Id, and answers a later request without one', async (version) => {
      const init = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { ...JSON_AND_SSE, authorization: 'Bearer adele-token' },
        body: JSON.stringify({ ...initialize, params: { ...initialize.params, protocolVersion: version } }),
      });
      expect(init.status).toBe(200);
      expect(init.headers.get('mcp-session-id')).toBeNull();
      expect(await init.text()).toContain(`"protocolVersion":"${version}"`);
      const call = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { ...JSON_AND_SSE, authorization: 'Bearer adele-token', 'mcp-protocol-version': version },
        body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'probe_user_after_delay', arguments: { delayMs: 0 } } }),
      });
      expect(call.status).toBe(200);
      expect(await call.text()).toContain('Adele Vance');
    });

    it.each(['GET', 'DELETE'])('answers %s /mcp with 405: a stateless server has no session stream to open or end', async (method) => {
      const res = await fetch(`${url}/mcp`, { method, headers: { authorization: 'Bearer adele-token', accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
    });
  });

  describe('HTTP+SSE sessions', () => {
    it("gives another grant's token 404 for the session, and the session survives", async () => {
      const adele = await connectClient(url, 'sse', 'adele-token');
      const intrusion = await fetch(`${url}/messages?sessionId=${adele.sessionId}`, {
        method: 'POST',
        headers: { ...JSON_AND_SSE, authorization: 'Bearer megan-token' },
        body: JSON.stringify(callTool('get_user_name', 7)),
      });
      expect(intrusion.status).toBe(404);
      expect(await intrusion.json()).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      expect(firstText(await adele.client.callTool({ name: 'get_user_name', arguments: {} }))).toBe('Adele Vance');
      await adele.close();
    });

    it('removes the session when the client closes its stream', async () => {
      const { sessionId, close } = await connectClient(url, 'sse', 'megan-token');
      const probe = () =>
        fetch(`${url}/messages?sessionId=${sessionId}`, {
          method: 'POST',
          headers: { ...JSON_AND_SSE, authorization: 'Bearer megan-token' },
          body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        }).then((res) => res.status);
      expect(await probe()).toBe(202);
      await close();
      await waitForAsync(async () => (await probe()) === 404);
    });

    it("closes the open stream once its grant has ended (revoked on any instance), and keeps other grants' streams", async () => {
      const ending = await openSessionStream(url, 'sse', 'ending-sse-token');
      const other = await openSessionStream(url, 'sse', 'megan-token');
      try {
        expect(await endsWithin(ending, 300)).toBe('open');
        FakeGrantLiveness.ended.add('grant-ending-sse');
        expect(await endsWithin(ending, 2_000)).toBe('ended');
        expect(await endsWithin(other, 300)).toBe('open');
      } finally {
        ending.abort();
        other.abort();
      }
    });

    it('keeps SSE streams alive with comment lines', async () => {
      const controller = new AbortController();
      const res = await fetch(`${url}/sse`, { headers: { authorization: 'Bearer adele-token' }, signal: controller.signal });
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      const deadline = Date.now() + 2_000;
      while (!text.includes(': keepalive') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      expect(text).toMatch(/^event: endpoint\ndata: \/messages\?sessionId=[0-9a-f-]{36}\n\n/);
      expect(text).toContain(': keepalive\n\n');
    });

    it('gives an idle SSE stream no MCP server: the session builds it when its first message arrives', async () => {
      const stream = await openSessionStream(url, 'sse', 'adele-token');
      const sessions = app.get(McpSessionRegistry);
      try {
        expect(sessions.peek(stream.sessionId)).toBeDefined();
        expect(sessions.peek(stream.sessionId)?.server).toBeUndefined();
        const res = await fetch(`${url}/messages?sessionId=${stream.sessionId}`, {
          method: 'POST',
          headers: { ...JSON_AND_SSE, authorization: 'Bearer adele-token' },
          body: JSON.stringify(initialize),
        });
        expect(res.status).toBe(202);
        expect(sessions.peek(stream.sessionId)?.server).toBeDefined();
      } finally {
        stream.abort();
      }
    });

    it('refuses a new SSE session beyond MCP_MAX_SESSIONS_PER_GRANT with 429 and a readable JSON error, and keeps the open ones', async () => {
      const streams = [];
      for (let i = 0; i < 3; i++) streams.push(await openSessionStream(url, 'sse', 'capped-token'));
      try {
        const refused = await fetch(`${url}/sse`, { headers: { authorization: 'Bearer capped-token', accept: 'text/event-stream' } });

        expect(refused.status).toBe(429);
        expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await refused.json()).toEqual({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'Too many open MCP sessions for this sign-in (the limit is 3): close one before opening another.' },
          id: null,
        });
        for (const stream of streams) {
          expect(await endsWithin(stream, 50)).toBe('open');
          const ping = await fetch(`${url}/messages?sessionId=${stream.sessionId}`, {
            method: 'POST',
            headers: { ...JSON_AND_SSE, authorization: 'Bearer capped-token' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
          });
          expect(ping.status).toBe(202);
        }
      } finally {
        streams.forEach((stream) => stream.abort());
      }
      // A closed stream frees its place.
      await waitForAsync(async () => {
        const again = await openSessionStream(url, 'sse', 'capped-token').catch(() => undefined);
        again?.abort();
        return again !== undefined;
      });
    });
  });
});

async function waitForAsync(condition: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
