import type { CliOptions } from './args';
import { connectionFailure } from './connection';
import { CliError } from './errors';
import { ExitCode } from './exit-codes';
import { formatJson, formatToolResult, formatTools, Style } from './output';
import { Session } from './session';
import { SessionContext } from './session-context';
import { fetchTools, invokeTool, toolErrorText } from './tools';

/**
 * `--list-tools` and `--call`: results on stdout (text, or only JSON with
 * `--json`), progress and errors on stderr.
 */
export async function runScripted(
  session: Session,
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
    return await callAndPrint(session, ctx, options, stdout);
  } catch (error) {
    throw await connectionFailure(ctx, error);
  }
}

async function callAndPrint(
  session: Session,
  ctx: SessionContext,
  options: CliOptions,
  stdout: NodeJS.WritableStream,
): Promise<ExitCode> {
  const name = options.call!;
  const result = await session.run((client) => invokeTool(client, name, options.args ?? {}));
  if (options.json) {
    stdout.write(formatJson(result));
  } else if (!result.isError) {
    stdout.write(formatToolResult(result));
  }
  if (result.isError) {
    if (options.json) ctx.reporter.error(toolErrorText(name, result));
    else throw new CliError(toolErrorText(name, result), ExitCode.ToolError);
    return ExitCode.ToolError;
  }
  return ExitCode.Ok;
}
