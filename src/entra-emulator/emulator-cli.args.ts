/** Options of `npm run emulator -- --port N [--redirect-uri URI …]`. */
export interface EmulatorCliOptions {
  port: number;
  redirectUris: string[];
  help: boolean;
}

export const DEFAULT_EMULATOR_PORT = 8001;
export const DEFAULT_REDIRECT_URI = 'http://localhost:8000/auth/callback';

export const USAGE = `Usage: npm run emulator -- [--port N] [--redirect-uri URI ...]

Runs the Entra ID emulator (and the Graph /me stand-in) on its own, so several
server instances can share it. Prints on stdout the variables that point a
server at it; logs go to stderr.

  --port N            port on localhost (default ${DEFAULT_EMULATOR_PORT}; 0 = any free port)
  --redirect-uri URI  redirect URI of the emulated app registration, repeatable
                      (default ${DEFAULT_REDIRECT_URI})
`;

/** Parses the command line; throws an Error with a readable message on bad input. */
export function parseEmulatorArgs(argv: readonly string[]): EmulatorCliOptions {
  let port = DEFAULT_EMULATOR_PORT;
  const redirectUris: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new Error(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--port': {
        const raw = value();
        if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new Error(`--port must be a port number (got "${raw}")`);
        port = Number(raw);
        break;
      }
      case '--redirect-uri': {
        const raw = value();
        let url: URL;
        try {
          url = new URL(raw);
        } catch {
          throw new Error(`--redirect-uri must be an absolute URL (got "${raw}")`);
        }
        if (!['http:', 'https:'].includes(url.protocol) || url.hash) throw new Error(`--redirect-uri must be an http(s) URL without fragment (got "${raw}")`);
        redirectUris.push(raw);
        break;
      }
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return { port, redirectUris: redirectUris.length > 0 ? redirectUris : [DEFAULT_REDIRECT_URI], help };
}
