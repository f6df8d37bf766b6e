import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { StreamableHTTPClientTransport as ModernStreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { parseCliArgs } from './args';
import { ConfigStore } from './config-store';
import type { McpClient } from './connection';
import { completeWhenResultTypeAbsent, createModernClient, openConnection, withToolsListedBeforeCalls } from './connection';
import { ConsoleOAuthProvider } from './oauth-provider';
import { Reporter, Style } from './output';
import { endpointFor, SessionContext } from './session-context';

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

describe('MCP 2026-07-28 multi-round-trip requests (SEP-2322), with the SDK v2 client', () => {
  interface Seen {
    id: unknown;
    method: string;
    params: { name?: string; arguments?: unknown; inputResponses?: unknown; requestState?: unknown };
  }
  const REQUEST_STATE = '{"nonce":"n-1","note":"opaque: ü ✓ "}';

  /** A 2026-07-28 server at the wire, as a fetch function: it records every request it sees. */
  function wireServer(tools: Record<string, (params: Seen['params']) => Record<string, unknown>>) {
    const seen: Seen[] = [];
    const fetchFn = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const message = JSON.parse(String(init?.body)) as Seen;
      if (message.id === undefined) return new Response(null, { status: 202 });
      seen.push(message);
      const result =
        message.method === 'server/discover'
          ? { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'wire', version: '1' } }
          : message.method === 'tools/list'
            ? { resultType: 'complete', tools: Object.keys(tools).map((name) => ({ name, inputSchema: { type: 'object' } })) }
            : tools[message.params.name!]!(message.params);
      return new Response(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }), { headers: { 'content-type': 'application/json' } });
    };
    return { seen, fetchFn: fetchFn as typeof fetch, calls: () => seen.filter((message) => message.method === 'tools/call') };
  }
  const confirm = { method: 'elicitation/create', params: { message: 'Go ahead?', requestedSchema: { type: 'object', properties: { confirmed: { type: 'boolean' } } } } };
  const done = (text: string) => ({ resultType: 'complete', content: [{ type: 'text', text }] });

  async function connect(fetchFn: typeof fetch, lenient = true) {
    const transport = new ModernStreamableHTTPClientTransport(new URL('http://mcp.test/mcp'), { fetch: fetchFn });
    if (lenient) completeWhenResultTypeAbsent(transport);
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const client = createModernClient(new Reporter(stderr, new Style(false)));
    await client.connect(transport);
    return { client, err: () => err };
  }

  it('answers the elicitation a call requires and retries it, on a new request id, with the requestState echoed byte for byte', async () => {
    const server = wireServer({
      deploy: (params) => (params.inputResponses ? done('deployed') : { resultType: 'input_required', inputRequests: { confirm }, requestState: REQUEST_STATE }),
    });
    const { client, err } = await connect(server.fetchFn);
    const result = await client.callTool({ name: 'deploy', arguments: { env: 'prod' } });
    expect(result.content).toEqual([{ type: 'text', text: 'deployed' }]);
    const [first, retry] = server.calls();
    expect(first!.params).not.toHaveProperty('requestState');
    expect(retry!.params).toEqual(
      expect.objectContaining({ name: 'deploy', arguments: { env: 'prod' }, inputResponses: { confirm: { action: 'accept', content: {} } }, requestState: REQUEST_STATE }),
    );
    expect(retry!.id).not.toEqual(first!.id);
    expect(err()).toContain('The server asks: Go ahead?');
    await client.close();
  });

  it('sends no requestState on the retry when the server sent none, and none of a finished exchange on a later call', async () => {
    const server = wireServer({
      ask: (params) => (params.inputResponses ? done('asked') : { resultType: 'input_required', inputRequests: { confirm } }),
      plain: () => done('plain'),
    });
    const { client } = await connect(server.fetchFn);
    await client.callTool({ name: 'ask', arguments: {} });
    await client.callTool({ name: 'plain', arguments: {} });
    const [, retry, plain] = server.calls();
    expect(retry!.params.inputResponses).toBeDefined();
    expect(retry!.params).not.toHaveProperty('requestState');
    expect(plain!.params).not.toHaveProperty('inputResponses');
    expect(plain!.params).not.toHaveProperty('requestState');
    await client.close();
  });

  it('takes a result without resultType as complete and does not retry it (the SDK alone rejects it)', async () => {
    const tools = { legacyish: () => ({ content: [{ type: 'text', text: 'no resultType' }] }) };
    const strict = await connect(wireServer(tools).fetchFn, false);
    await expect(strict.client.callTool({ name: 'legacyish', arguments: {} })).rejects.toThrow(/missing required resultType/);
    await strict.client.close();

    const server = wireServer(tools);
    const { client } = await connect(server.fetchFn);
    expect((await client.callTool({ name: 'legacyish', arguments: {} })).content).toEqual([{ type: 'text', text: 'no resultType' }]);
    expect(server.calls()).toHaveLength(1);
    await client.close();
  });
});

describe('MCP 2025-11-25: a response stream the server closes early (SEP-1699), with the SDK v1 client', () => {
  let server: Server;
  let home: string;
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(home, { recursive: true, force: true });
  });

  it('resumes it with a GET carrying the last event id (Last-Event-ID) and gets the result there', async () => {
    const gets: (string | undefined)[] = [];
    let pendingCall: unknown;
    server = createServer((req, res) => {
      if (req.method === 'GET') {
        const lastEventId = req.headers['last-event-id'] as string | undefined;
        gets.push(lastEventId);
        if (!lastEventId) return void res.writeHead(405).end();
        res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
        const answer = { jsonrpc: '2.0', id: pendingCall, result: { content: [{ type: 'text', text: 'resumed' }] } };
        return void res.end(`event: message\nid: ev-2\ndata: ${JSON.stringify(answer)}\n\n`);
      }
      if (req.method === 'DELETE') return void res.writeHead(200).end();
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const message = JSON.parse(body) as { id?: unknown; method: string; params?: { protocolVersion?: string } };
        if (message.id === undefined) return void res.writeHead(202).end();
        if (message.method === 'tools/call') {
          // A priming event (an id and a retry delay), then the stream ends before the answer.
          pendingCall = message.id;
          res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
          return void res.end('id: ev-1\nretry: 100\ndata: \n\n');
        }
        const result =
          message.method === 'initialize'
            ? { protocolVersion: message.params!.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'sse', version: '1' } }
            : {};
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home = mkdtempSync(join(tmpdir(), 'client-connection-'));
    const options = parseCliArgs(['--server', url, '--protocol', '2025-11-25', '--call', 'slow']);
    const reporter = new Reporter(new PassThrough(), new Style(false));
    const ctx: SessionContext = {
      options,
      endpoint: endpointFor(options.server, options.transport),
      provider: new ConsoleOAuthProvider(new ConfigStore(home), url),
      reporter,
      browser: { platform: 'linux', env: {} },
    };
    const connection = await openConnection(ctx);
    try {
      const result = await connection.client.callTool({ name: 'slow', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'resumed' }]);
      expect(gets).toContain('ev-1');
    } finally {
      await connection.close();
    }
  });
});
