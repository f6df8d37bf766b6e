import { createInterface, Interface } from 'node:readline';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { parseJsonObject } from './args';
import { connectionFailure } from './connection';
import { CliError } from './errors';
import { ExitCode } from './exit-codes';
import { formatToolResult, formatTools, formatWhoami, Reporter, Style } from './output';
import { Session } from './session';
import { SessionContext } from './session-context';
import { argFields, promptArgs } from './tool-args';
import { fetchTools, invokeTool, toolErrorText } from './tools';

const COMMANDS = ['tools', 'call', 'whoami', 'help', 'quit'];

export const REPL_HELP = `Commands:
  tools               list the tools, with their arguments
  call NAME [JSON]    call a tool; without JSON, each argument is asked for
  whoami              show who you are signed in as (the whoami tool)
  help                show this help
  quit                leave (also: exit, Ctrl-D)
`;

export interface ReplStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * The interactive prompt. A failing command prints its one-sentence error and
 * the prompt comes back; only a lost server or sign-in ends the session.
 */
export async function runRepl(session: Session, ctx: SessionContext, streams: ReplStreams, style: Style): Promise<ExitCode> {
  const { reporter } = ctx;
  let tools: Tool[] = [];
  try {
    tools = await session.run(fetchTools);
  } catch (error) {
    throw await connectionFailure(ctx, error);
  }

  const rl = createInterface({
    input: streams.input,
    output: streams.output,
    terminal: true,
    historySize: 100,
    completer: (line: string) => complete(line, tools),
  });
  let closed = false;
  rl.on('close', () => (closed = true));
  rl.on('SIGINT', () => rl.close());
  const ask = (question: string) => askLine(rl, question, () => closed);
  const print = (text: string) => streams.output.write(text.endsWith('\n') ? text : `${text}\n`);

  print(`${style.bold(`Signed in to ${ctx.options.server}`)}: ${tools.length} tool${tools.length === 1 ? '' : 's'} (${tools.map((t) => t.name).join(', ')}).`);
  print(style.dim('Type "help" for commands.'));

  for (;;) {
    const line = await ask(style.cyan('mcp> '));
    if (line === null) break;
    const [command = '', ...rest] = line.trim().split(/\s+/);
    const argument = line.trim().slice(command.length).trim();
    try {
      switch (command.toLowerCase()) {
        case '':
          break;
        case 'tools':
        case 'list':
          tools = await session.run(fetchTools);
          print(formatTools(tools, style));
          break;
        case 'call':
          await callCommand(session, rest[0], argument.slice((rest[0] ?? '').length).trim(), tools, ask, print, reporter);
          break;
        case 'whoami': {
          const result = await session.run((client) => invokeTool(client, 'whoami', {}));
          if (result.isError) reporter.error(toolErrorText('whoami', result));
          else print(formatWhoami(result, style));
          break;
        }
        case 'help':
        case '?':
          print(REPL_HELP);
          break;
        case 'quit':
        case 'exit':
          rl.close();
          break;
        default:
          reporter.warn(`Unknown command "${command}". Type "help" for commands.`);
      }
    } catch (error) {
      const failure = error instanceof CliError ? error : await connectionFailure(ctx, error);
      // The server or the sign-in is gone: nothing more can work in this session.
      if (failure.exitCode === ExitCode.Unreachable || failure.exitCode === ExitCode.AuthFailed) {
        rl.close();
        throw failure;
      }
      reporter.error(failure.message);
    }
    if (closed) break;
  }
  rl.close();
  return ExitCode.Ok;
}

async function callCommand(
  session: Session,
  name: string | undefined,
  json: string,
  tools: Tool[],
  ask: (question: string) => Promise<string | null>,
  print: (text: string) => void,
  reporter: Reporter,
): Promise<void> {
  if (!name) {
    reporter.warn(`Which tool? For example: call ${tools[0]?.name ?? 'NAME'}`);
    return;
  }
  const tool = tools.find((t) => t.name === name);
  let args: Record<string, unknown> | null;
  if (json) {
    args = parseJsonObject(json, 'The arguments');
  } else if (tool) {
    args = await promptArgs(argFields(tool.inputSchema), ask, (text) => reporter.warn(text));
    if (args === null) return;
  } else {
    args = {};
  }
  const result = await session.run((client) => invokeTool(client, name, args));
  if (result.isError) reporter.error(toolErrorText(name, result));
  else print(formatToolResult(result) || '(no content)');
}

/** Tab completion: commands first, then tool names after `call `. */
export function complete(line: string, tools: Pick<Tool, 'name'>[]): [string[], string] {
  const call = /^call\s+(\S*)$/i.exec(line);
  if (call) {
    const prefix = call[1] ?? '';
    const names = tools.map((t) => t.name).filter((n) => n.startsWith(prefix));
    return [names, prefix];
  }
  const word = line.trimStart();
  return [COMMANDS.filter((c) => c.startsWith(word)), word];
}

/** One line of input, or null when the input has ended (Ctrl-D) or the prompt was closed. */
function askLine(rl: Interface, question: string, isClosed: () => boolean): Promise<string | null> {
  if (isClosed()) return Promise.resolve(null);
  return new Promise((resolve) => {
    const onClose = () => resolve(null);
    rl.once('close', onClose);
    rl.question(question, (answer) => {
      rl.off('close', onClose);
      resolve(answer);
    });
  });
}
