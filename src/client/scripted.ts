import type { ToolCall } from './args';
import { connectionFailure } from './connection';
import { CliError } from './errors';
import { ExitCode } from './exit-codes';
import { formatJson, formatToolResult, formatTools, Style } from './output';
import type { Session } from './session';
import { SessionContext } from './session-context';
import { fetchTools, invokeTool, toolErrorText } from './tools';

/**
 * `--list-tools` and `--call`: results on stdout (text, or only JSON with
 * `--json`), progress and errors on stderr.
 */
export async function runScripted(
  session: Pick<Session, 'run'>,
  ctx: SessionContext,
  stdout: NodeJS.WritableStream,
  style: Style,
): Promise<ExitCode> {
  const { options } = ctx;
  try {
    if (options.listTools) {
      const tools = await session.run(fetchTools);
      stdout.write(options.json ? formatJson({ tools }) : formatTools(tools, style));
      return ExitCode.Ok;
    }
    return await callAll(session, ctx, options.calls, stdout);
  } catch (error) {
    throw await connectionFailure(ctx, error);
  }
}

/**
 * The `--call`s in command-line order, on one connection: each result is printed as it arrives
 * (with `--json`, one JSON document per call), and the first call that fails ends the run with
 * exit code 1, so a later call never runs on the assumption that an earlier one worked.
 */
async function callAll(session: Pick<Session, 'run'>, ctx: SessionContext, calls: ToolCall[], stdout: NodeJS.WritableStream): Promise<ExitCode> {
  const { json } = ctx.options;
  for (const { name, args } of calls) {
    if (calls.length > 1) ctx.reporter.step(`Calling ${name}...`);
    const result = await session.run((client) => invokeTool(client, name, args));
    if (json) {
      stdout.write(formatJson(result));
    } else if (!result.isError) {
      stdout.write(formatToolResult(result));
    }
    if (result.isError) {
      if (!json) throw new CliError(toolErrorText(name, result), ExitCode.ToolError);
      ctx.reporter.error(toolErrorText(name, result));
      return ExitCode.ToolError;
    }
  }
  return ExitCode.Ok;
}
