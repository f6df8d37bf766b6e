import { DEFAULT_TIMEOUT_SECONDS, parseCliArgs, parseServerUrl } from './args';
import { UsageError } from './errors';
import { ExitCode } from './exit-codes';

describe('parseCliArgs', () => {
  it('defaults to http://localhost:8000 over Streamable HTTP on MCP 2026-07-28, browser on, 300 s timeout', () => {
    expect(parseCliArgs([])).toEqual(
      expect.objectContaining({
        server: 'http://localhost:8000',
        transport: 'http',
        protocol: '2026-07-28',
        listTools: false,
        json: false,
        logout: false,
        browser: true,
        timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
        callbackPort: undefined,
      }),
    );
  });

  it('reads a scripted call with JSON arguments', () => {
    const options = parseCliArgs(['--server', 'http://127.0.0.1:9000', '--transport', 'sse', '--call', 'greet', '--args', '{"name":"Adele"}', '--json', '--no-browser', '--timeout', '2']);
    expect(options).toEqual(
      expect.objectContaining({
        server: 'http://127.0.0.1:9000',
        transport: 'sse',
        calls: [{ name: 'greet', args: { name: 'Adele' } }],
        json: true,
        browser: false,
        timeoutSeconds: 2,
      }),
    );
  });

  it('reads repeated --call NAME [--args JSON] pairs in order, each --args belonging to the --call before it', () => {
    const options = parseCliArgs(['--call', 'first', '--args', '{"a":1}', '--call', 'second', '--json', '--call', 'third', '--args', '{"b":null}']);
    expect(options.calls).toEqual([
      { name: 'first', args: { a: 1 } },
      { name: 'second', args: {} },
      { name: 'third', args: { b: null } },
    ]);
    expect(parseCliArgs(['--list-tools']).calls).toEqual([]);
  });

  it('speaks MCP 2025-11-25 over Streamable HTTP with --protocol 2025-11-25', () => {
    expect(parseCliArgs(['--protocol', '2025-11-25'])).toEqual(expect.objectContaining({ transport: 'http', protocol: '2025-11-25' }));
  });

  it.each([
    [['--transport', 'ws'], '--transport must be "http" or "sse"'],
    [['--protocol', '2024-11-05'], '--protocol must be "2026-07-28" or "2025-11-25"'],
    [['--transport', 'sse', '--protocol', '2025-11-25'], '--protocol applies to --transport http'],
    [['--args', '{}'], '--args needs --call NAME'],
    [['--args', '{}', '--call', 'x'], '--args needs --call NAME before it'],
    [['--call', 'x', '--args', '{}', '--args', '{}'], '--args is given twice for --call x'],
    [['--call', 'x', '--call', ' '], '--call needs a tool name'],
    [['--call', 'x', '--list-tools'], 'Use only one of'],
    [['--call', 'x', '--args', '[1]'], '--args must be a JSON object'],
    [['--call', 'x', '--args', '{oops'], 'not valid JSON'],
    [['--list-tools', '--logout'], 'Use only one of'],
    [['--timeout', '0'], '--timeout must be a positive number'],
    [['--timeout', 'soon'], '--timeout must be a positive number'],
    [['--callback-port', '70000'], '--callback-port must be a port number'],
    [['--server', 'ftp://example.com'], '--server must be an http(s) URL'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
    [['stray'], 'Unexpected argument'],
  ])('rejects %j as usage (exit 2): %s', (argv, message) => {
    let error: unknown;
    try {
      parseCliArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.Usage);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('pre-registered client credentials', () => {
  it('takes --client-id with an optional --client-secret', () => {
    expect(parseCliArgs(['--list-tools', '--client-id', 'app', '--client-secret', 's3'])).toEqual(
      expect.objectContaining({ clientId: 'app', clientSecret: 's3' }),
    );
    expect(parseCliArgs(['--list-tools', '--client-id', 'app']).clientSecret).toBeUndefined();
  });

  it('takes an https --client-metadata-url with a path, and refuses any other', () => {
    const url = 'https://example.com/mcp-console-client.json';
    expect(parseCliArgs(['--list-tools', '--client-metadata-url', url]).clientMetadataUrl).toBe(url);
    for (const bad of ['http://example.com/client.json', 'https://example.com/', 'not a url']) {
      expect(() => parseCliArgs(['--list-tools', '--client-metadata-url', bad])).toThrow(/--client-metadata-url must be an https URL with a path/);
    }
  });

  it('refuses a secret without a client id, and an empty client id', () => {
    expect(() => parseCliArgs(['--list-tools', '--client-secret', 's3'])).toThrow('--client-secret needs --client-id ID.');
    expect(() => parseCliArgs(['--list-tools', '--client-id', ' '])).toThrow(UsageError);
  });
});

describe('parseServerUrl', () => {
  it.each([
    ['http://localhost:8000', 'http://localhost:8000'],
    ['http://localhost:8000/', 'http://localhost:8000'],
    ['http://localhost:8000/mcp', 'http://localhost:8000'],
    ['https://mcp.example.com/sse/', 'https://mcp.example.com'],
    ['https://example.com/tenant-a/mcp', 'https://example.com/tenant-a'],
  ])('takes %s as the base URL %s (a pasted endpoint path is dropped)', (raw, expected) => {
    expect(parseServerUrl(raw)).toBe(expected);
  });

  it('refuses credentials in the URL', () => {
    expect(() => parseServerUrl('http://user:pw@localhost:8000')).toThrow(UsageError);
  });
});
