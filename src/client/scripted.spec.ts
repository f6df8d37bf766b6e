import { PassThrough } from 'node:stream';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parseCliArgs } from './args';
import type { McpClient } from './connection';
import { CliError } from './errors';
import { ExitCode } from './exit-codes';
import type { ConsoleOAuthProvider } from './oauth-provider';
import { Reporter, Style } from './output';
import { runScripted } from './scripted';
import { endpointFor, SessionContext } from './session-context';

describe('runScripted: several --call pairs in one run', () => {
  function setup(argv: string[], answer: (name: string, args: Record<string, unknown>) => CallToolResult) {
    const calls: { name: string; arguments?: Record<string, unknown> }[] = [];
    const client: McpClient = {
      listTools: async () => ({ tools: [] }),
      callTool: async (params) => {
        calls.push(params);
        return answer(params.name, params.arguments ?? {});
      },
    };
    const session = { run: <T>(work: (client: McpClient) => Promise<T>): Promise<T> => work(client) };
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const options = parseCliArgs(['--server', 'http://localhost:8000', ...argv]);
    const ctx: SessionContext = {
      options,
      endpoint: endpointFor(options.server, options.transport),
      provider: {} as ConsoleOAuthProvider,
      reporter: new Reporter(stderr, new Style(false)),
      browser: { platform: 'linux', env: {} },
    };
    const run = () => runScripted(session, ctx, stdout, new Style(false));
    return { run, calls, out: () => out, err: () => err };
  }
  const text = (value: string, isError = false): CallToolResult => ({ content: [{ type: 'text', text: value }], ...(isError && { isError }) });

  it('makes the calls in command-line order with their own arguments, printing each result as it comes', async () => {
    const t = setup(['--call', 'first', '--args', '{"a":1}', '--call', 'second'], (name) => text(`${name} done`));
    expect(await t.run()).toBe(ExitCode.Ok);
    expect(t.calls).toEqual([
      { name: 'first', arguments: { a: 1 } },
      { name: 'second', arguments: {} },
    ]);
    expect(t.out()).toBe('first done\nsecond done\n');
    expect(t.err()).toBe('› Calling first...\n› Calling second...\n');
  });

  it('prints one JSON document per call with --json', async () => {
    const t = setup(['--json', '--call', 'first', '--call', 'second'], (name) => text(name));
    expect(await t.run()).toBe(ExitCode.Ok);
    const documents = t.out().split(/\n(?=\{)/).map((doc) => JSON.parse(doc) as CallToolResult);
    expect(documents).toEqual([text('first'), text('second')]);
  });

  it('stops at the first call that fails (exit 1): later calls are not made', async () => {
    const t = setup(['--call', 'first', '--call', 'broken', '--call', 'never'], (name) => text(name === 'broken' ? 'no way' : name, name === 'broken'));
    await expect(t.run()).rejects.toEqual(new CliError('The tool broken reported an error: no way.', ExitCode.ToolError));
    expect(t.calls.map((call) => call.name)).toEqual(['first', 'broken']);
    expect(t.out()).toBe('first\n');
  });

  it('with --json prints the failing result, says so on stderr, and stops there (exit 1)', async () => {
    const t = setup(['--json', '--call', 'broken', '--call', 'never'], () => text('no way', true));
    expect(await t.run()).toBe(ExitCode.ToolError);
    expect(t.calls.map((call) => call.name)).toEqual(['broken']);
    expect(JSON.parse(t.out())).toEqual(text('no way', true));
    expect(t.err()).toContain('✖ The tool broken reported an error: no way.');
  });

  it('narrates nothing extra for a single call', async () => {
    const t = setup(['--call', 'only'], () => text('ok'));
    expect(await t.run()).toBe(ExitCode.Ok);
    expect(t.err()).toBe('');
  });
});
