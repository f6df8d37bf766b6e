import { HELP, parseCliArgs } from './args';
import { CLIENT_ID_NAME, CLIENT_VERSION } from './client-info';
import { configDirectory } from './config-dir';
import { ConfigStore } from './config-store';
import { CliError, UsageError } from './errors';
import { ExitCode } from './exit-codes';
import { logout } from './logout';
import { ConsoleOAuthProvider } from './oauth-provider';
import { Reporter, Style, useColour } from './output';
import { runRepl } from './repl';
import { runScripted } from './scripted';
import { Session } from './session';
import { endpointFor, SessionContext } from './session-context';

/** Everything the client takes from its process: injected, so tests can run it in-process. */
export interface ClientIo {
  argv: string[];
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  homedir: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Runs the console client once; resolves with the exit code. Never throws. */
export async function runClient(io: ClientIo): Promise<ExitCode> {
  const reporter = new Reporter(io.stderr, new Style(useColour(io.stderr, io.env)));
  const debug = io.argv.includes('--debug');
  try {
    const options = parseCliArgs(io.argv);
    if (options.help) {
      io.stdout.write(HELP);
      return ExitCode.Ok;
    }
    if (options.version) {
      io.stdout.write(`${CLIENT_ID_NAME} ${CLIENT_VERSION}\n`);
      return ExitCode.Ok;
    }
    const interactive = !options.listTools && options.calls.length === 0 && !options.logout;
    if (interactive && !(io.stdin.isTTY && io.stdout.isTTY)) {
      throw new UsageError('Nothing to do: pass --list-tools or --call NAME (the interactive prompt needs a terminal); see --help.');
    }

    const store = new ConfigStore(configDirectory(io));
    const provider = new ConsoleOAuthProvider(
      store,
      options.server,
      { registered: (client) => reporter.step(`Registered as client ${client.client_id} (dynamic client registration, RFC 7591).`) },
      undefined,
      options.clientId === undefined ? undefined : { client_id: options.clientId, client_secret: options.clientSecret },
      options.clientMetadataUrl,
    );
    const ctx: SessionContext = {
      options,
      endpoint: endpointFor(options.server, options.transport),
      provider,
      reporter,
      browser: { platform: io.platform, env: io.env },
    };
    if (options.logout) return await logout(ctx);

    const session = new Session(ctx);
    try {
      if (interactive) {
        return await runRepl(session, ctx, { input: io.stdin, output: io.stdout }, new Style(useColour(io.stdout, io.env)));
      }
      return await runScripted(session, ctx, io.stdout, new Style(useColour(io.stdout, io.env)));
    } finally {
      await session.close();
    }
  } catch (error) {
    return reportFailure(error, reporter, debug);
  }
}

function reportFailure(error: unknown, reporter: Reporter, debug: boolean): ExitCode {
  if (error instanceof CliError) {
    reporter.error(error.message);
  } else {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    reporter.error(`Unexpected error: ${message}${debug ? '' : ' (run with --debug for details)'}`);
  }
  if (debug) {
    let current: unknown = error;
    while (current instanceof Error) {
      reporter.line(current.stack ?? current.message);
      current = current.cause;
      if (current) reporter.line('Caused by:');
    }
  }
  return error instanceof CliError ? error.exitCode : ExitCode.ToolError;
}
