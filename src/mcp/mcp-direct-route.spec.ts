import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { InvalidTokenError } from '../shared/access-token-verifier.port';
import { UserContext } from '../shared/user-context';
import { McpBearerStrategy } from './bearer.strategy';
import { EntraBearerStrategy } from './entra-bearer.strategy';
import { McpDirectRoute } from './mcp-direct-route';
import { RequestScopePolicy } from './request-scope.policy';
import { StreamableHttpService } from './streamable-http.service';
import { ToolCallFastPath } from './tool-call-fast-path';

const adele = { oid: 'oid-a', clientId: 'c', scopes: ['mcp:tools'], grantId: 'g' } as UserContext;
const GOOD = 'good-token';

/** Which of the two answered: the direct route (through StreamableHttpService.serve) or the application. */
async function start(logLevel: AppConfig['logLevel'] = 'info') {
  const served: unknown[] = [];
  const application: string[] = [];
  const ours = { validate: async (req: IncomingMessage) => (req.headers.authorization === `Bearer ${GOOD}` ? adele : Promise.reject(new InvalidTokenError())) };
  const scopes = {
    assertAllowed: (_user: UserContext, body: unknown) => {
      if ((body as { method?: string }).method === 'forbidden') throw new Error('insufficient_scope');
    },
  };
  const streamableHttp = {
    serve: async (_req: IncomingMessage, res: ServerResponse, _user: UserContext, body: unknown) => {
      served.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    },
  };
  const config = { authMode: 'proxy', logLevel, nodeEnv: 'test', serverUrl: 'http://127.0.0.1:1', trustProxy: false } as AppConfig;
  const route = new McpDirectRoute(
    config,
    ours as unknown as McpBearerStrategy,
    {} as EntraBearerStrategy,
    scopes as unknown as RequestScopePolicy,
    streamableHttp as unknown as StreamableHttpService,
    // No tool call here is one the fast path serves: every request reaches StreamableHttpService.serve.
    { match: () => undefined } as unknown as ToolCallFastPath,
  );
  const http: Server = createServer((req, res) => {
    application.push(`${req.method} ${req.url}`);
    // As the application's body parser does: a body the route already read is not read again.
    if (req.complete) return void res.writeHead(418).end();
    req.resume();
    req.on('end', () => res.writeHead(418).end());
  });
  route.install(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  // The Host check compares with SERVER_URL's host: this one.
  (config as { serverUrl: string }).serverUrl = `http://127.0.0.1:${port}`;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${GOOD}`, 'content-type': 'application/json', ...headers }, body });
  return { http, post, served, application };
}

describe('McpDirectRoute', () => {
  let http: Server | undefined;

  beforeAll(() => {
    Logger.overrideLogger(false);
    // The request log line goes nowhere here (nestjs-pino sets the root logger in an application).
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    (PinoLogger as unknown as { root: unknown }).root = { child: () => quiet };
  });
  afterEach(() => http?.close());

  it('serves an authenticated, permitted JSON POST /mcp itself, with the parsed body', async () => {
    const server = await start();
    http = server.http;
    expect((await server.post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')).status).toBe(200);
    expect(server.served).toEqual([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]);
    expect(server.application).toEqual([]);
  });

  it.each([
    ['a refused token', { authorization: 'Bearer nope' }, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'],
    ['a compressed body', { 'content-encoding': 'gzip' }, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'],
    ['another content type', { 'content-type': 'text/plain' }, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'],
    ['a missing scope', {}, '{"jsonrpc":"2.0","id":1,"method":"forbidden"}'],
  ])('leaves %s to the application', async (_case, headers, body) => {
    const server = await start();
    http = server.http;
    expect((await server.post(body, headers as Record<string, string>)).status).toBe(418);
    expect(server.application).toEqual(['POST /mcp']);
    expect(server.served).toEqual([]);
  });

  it('answers malformed JSON from an authenticated caller with the JSON-RPC parse error', async () => {
    const server = await start();
    http = server.http;
    const res = await server.post('{"jsonrpc":');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'The request body is not valid JSON.' }, id: null });
    expect(server.application).toEqual([]);
  });

  it('leaves every request to the application at LOG_LEVEL=debug (full request logging)', async () => {
    const server = await start('debug');
    http = server.http;
    expect((await server.post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')).status).toBe(418);
    expect(server.served).toEqual([]);
  });
});
