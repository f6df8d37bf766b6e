/**
 * A plain `tools/call` — the request MCP clients send most — is answered by ToolCallFastPath
 * without the SDK's per-request machinery. It must be invisible to clients: for every request it
 * takes, the answer is the SDK's own. Sending the same request with `Content-Encoding: identity`
 * (which the direct route leaves to the application, and so to the SDK's handler) gives the SDK's
 * answer to compare with.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import { ToolCallService } from '../src/mcp/tool-call.service';
import { ToolCallFastPath } from '../src/mcp/tool-call-fast-path';
import { GENEROUS_RATE_LIMITS, obtainTokens } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'fast-path-e2e', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface Call {
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** A 2026-07-28 `tools/call` with its standard headers, as the SDK's client sends it. */
function modernCall(tool: string, { id = 1, headers = {}, meta = {} }: { id?: number | string; headers?: Record<string, string>; meta?: Record<string, unknown> } = {}): Call {
  return {
    headers: { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': tool, ...headers },
    body: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: {}, _meta: { ...ENVELOPE, ...meta } } },
  };
}

/** A 2025-era `tools/call` (no envelope), served statelessly. */
function legacyCall(tool: string, version = '2025-11-25', { id = 1 as number | string, headers = {} as Record<string, string> } = {}): Call {
  return {
    headers: { accept: 'application/json, text/event-stream', 'mcp-protocol-version': version, ...headers },
    body: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: {} } },
  };
}

interface Answer {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  /** The JSON-RPC messages of the answer: the JSON body, or every `message` event of a stream. */
  messages: unknown[];
}

async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  const contentType = res.headers.get('content-type');
  const messages = contentType?.startsWith('text/event-stream')
    ? text
        .split('\n\n')
        .filter((event) => event.includes('data: '))
        .map((event) => {
          expect(event.split('\n')[0]).toBe('event: message');
          return JSON.parse(event.slice(event.indexOf('data: ') + 6)) as unknown;
        })
    : [JSON.parse(text) as unknown];
  return { status: res.status, contentType, cacheControl: res.headers.get('cache-control'), messages };
}

describe('Tool calls answered by the fast path', () => {
  let server: TestServer;
  let token: string;
  /** Megan Bowen: no Tools.Admin app role. */
  let meganToken: string;
  let fastPath: ToolCallFastPath;
  let toolCalls: ToolCallService;

  const send = async (call: Call, extraHeaders: Record<string, string> = {}): Promise<Answer> =>
    answerOf(
      await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extraHeaders, ...call.headers },
        body: JSON.stringify(call.body),
      }),
    );

  /** The fast path's answer (checked to come from it) and the SDK's answer to the same request. */
  const both = async (call: Call): Promise<{ fast: Answer; sdk: Answer }> => {
    const served = jest.spyOn(fastPath, 'serve');
    try {
      const fast = await send(call);
      expect(served).toHaveBeenCalledTimes(1);
      served.mockClear();
      const sdk = await send(call, { 'content-encoding': 'identity' });
      expect(served).not.toHaveBeenCalled();
      return { fast, sdk };
    } finally {
      served.mockRestore();
    }
  };

  beforeAll(async () => {
    server = await startTestServer(GENEROUS_RATE_LIMITS);
    ({ accessToken: token } = await obtainTokens(server));
    ({ accessToken: meganToken } = await obtainTokens(server, { user: 'Megan Bowen' }));
    fastPath = server.app.get(ToolCallFastPath);
    toolCalls = server.app.get(ToolCallService);
  });

  afterAll(async () => {
    await server?.close();
  });

  afterEach(() => jest.restoreAllMocks());

  describe('answers exactly as the SDK does', () => {
    it('a 2026-07-28 tool call: JSON with resultType and the server identity in _meta', async () => {
      const { fast, sdk } = await both(modernCall('whoami'));
      expect(fast).toEqual(sdk);
      expect(fast.status).toBe(200);
      expect(fast.contentType).toBe('application/json');
      expect(fast.messages[0]).toMatchObject({
        jsonrpc: '2.0',
        id: 1,
        result: { resultType: 'complete', structuredContent: { name: 'Adele Vance' }, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-entra-server' } } },
      });
    });

    it.each(['2025-11-25', '2025-06-18', '2025-03-26'])('a %s tool call: one message event on an event stream', async (version) => {
      const { fast, sdk } = await both(legacyCall('whoami', version));
      expect(fast).toEqual(sdk);
      expect(fast.contentType).toBe('text/event-stream');
      expect(fast.cacheControl).toBe('no-cache, no-transform');
      expect(fast.messages).toHaveLength(1);
      expect(fast.messages[0]).toMatchObject({ jsonrpc: '2.0', id: 1, result: { structuredContent: { name: 'Adele Vance' } } });
      expect(fast.messages[0]).not.toHaveProperty('result.resultType');
    });

    it('string request ids, kept as sent', async () => {
      const { fast, sdk } = await both(modernCall('whoami', { id: 'call-7' }));
      expect(fast).toEqual(sdk);
      expect(fast.messages[0]).toMatchObject({ id: 'call-7' });
      const legacy = await both(legacyCall('whoami', '2025-11-25', { id: 'call-8' }));
      expect(legacy.fast).toEqual(legacy.sdk);
    });

    it('a tool that returns a string (get_user_name, from Microsoft Graph)', async () => {
      const { fast, sdk } = await both(modernCall('get_user_name'));
      expect(fast).toEqual(sdk);
      expect(fast.messages[0]).toMatchObject({ result: { content: [{ type: 'text', text: 'Adele Vance' }] } });
    });

    it('a tool the caller may not use: the same isError result', async () => {
      const { fast, sdk } = await both(modernCall('get_server_status', { headers: { authorization: `Bearer ${meganToken}` } }));
      expect(fast).toEqual(sdk);
      expect(fast.messages[0]).toMatchObject({ result: { isError: true } });
    });
  });

  describe('leaves the encoding to the SDK when the outcome is not a plain result, without running the tool twice', () => {
    it('a result with other content (an image) is encoded by the SDK', async () => {
      const image: CallToolResult = { content: [{ type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }] };
      const call = jest.spyOn(toolCalls, 'call').mockResolvedValue(image);
      for (const request of [modernCall('whoami'), legacyCall('whoami')]) {
        const { fast, sdk } = await both(request);
        expect(fast).toEqual(sdk);
        expect(fast.messages[0]).toMatchObject({ result: image });
      }
      // Once per request: the fast path's answer did not run the tool again inside the SDK.
      expect(call).toHaveBeenCalledTimes(4);
    });

    it('a call that fails unexpectedly gets the SDK\'s JSON-RPC error', async () => {
      jest.spyOn(toolCalls, 'call').mockRejectedValue(new Error('the tool pipeline broke'));
      for (const request of [modernCall('whoami'), legacyCall('whoami')]) {
        const { fast, sdk } = await both(request);
        expect(fast).toEqual(sdk);
        expect(fast.messages[0]).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32603 } });
      }
    });
  });

  it('cancels the tool when the client leaves mid-call, as the SDK does', async () => {
    for (const extraHeaders of [{}, { 'content-encoding': 'identity' }] as Record<string, string>[]) {
      let toolSignal: AbortSignal | undefined;
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      jest.spyOn(toolCalls, 'call').mockImplementation((_name, _args, _user, signal) => {
        toolSignal = signal;
        started();
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ content: [] })));
      });
      const client = new AbortController();
      const call = modernCall('whoami');
      const pending = fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extraHeaders, ...call.headers },
        body: JSON.stringify(call.body),
        signal: client.signal,
      }).catch(() => undefined);
      await running;
      client.abort();
      await pending;
      for (let i = 0; i < 50 && !toolSignal!.aborted; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(toolSignal!.aborted).toBe(true);
      jest.restoreAllMocks();
    }
  });

  describe('leaves every request it does not recognise exactly to the SDK', () => {
    const declined: [string, Call][] = [
      ['a progress token in _meta (the SDK may stream progress)', modernCall('whoami', { meta: { progressToken: 'p1' } })],
      ['an Mcp-Name header in its Base64 form', modernCall('whoami', { headers: { 'mcp-name': `=?base64?${Buffer.from('whoami').toString('base64')}?=` } })],
      ['an Mcp-Name header that does not match the body', modernCall('whoami', { headers: { 'mcp-name': 'get_user_name' } })],
      ['a missing Mcp-Method header', (() => { const c = modernCall('whoami'); delete c.headers['mcp-method']; return c; })()],
      ['an unknown tool', modernCall('no_such_tool')],
      ['a 2024-11-05 request', legacyCall('whoami', '2024-11-05')],
      ['a 2025 request that does not accept an event stream', legacyCall('whoami', '2025-11-25', { headers: { accept: 'application/json' } })],
    ];

    it.each(declined)('%s', async (_name, call) => {
      const served = jest.spyOn(fastPath, 'serve');
      const direct = await send(call);
      const sdk = await send(call, { 'content-encoding': 'identity' });
      expect(served).not.toHaveBeenCalled();
      expect(direct).toEqual(sdk);
    });
  });
});
