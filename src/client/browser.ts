import { spawn } from 'node:child_process';

export interface BrowserEnvironment {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
}

/**
 * The command that opens `url` in the user's browser, or undefined when there is
 * no graphical session (on Linux, `xdg-open` without one may start a text browser
 * in this very terminal).
 *
 * The `BROWSER` environment variable wins on every platform, read as xdg-open and
 * many CLIs read it: a `:`-separated list of commands of which the first is used,
 * `%s` in it replaced by the URL, otherwise the URL appended as the last argument.
 * The command line is split on whitespace (no shell is involved).
 */
export function browserCommand(url: string, { platform, env }: BrowserEnvironment): [string, string[]] | undefined {
  const configured = browserFromEnv(url, env.BROWSER);
  if (configured) return configured;
  if (platform === 'darwin') return ['open', [url]];
  // `start` is a cmd built-in; `^` escapes the `&` between query parameters for cmd.
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return ['xdg-open', [url]];
  return undefined;
}

function browserFromEnv(url: string, value: string | undefined): [string, string[]] | undefined {
  const words = (value ?? '').split(':')[0]!.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const substituted = words.some((word) => word.includes('%s'));
  const argv = substituted ? words.map((word) => word.replace(/%s/g, url)) : [...words, url];
  return [argv[0]!, argv.slice(1)];
}

/** Tries to open the system browser; never throws (the URL is printed anyway). */
export function openBrowser(url: string, environment: BrowserEnvironment, spawnFn: typeof spawn = spawn): boolean {
  const command = browserCommand(url, environment);
  if (!command) return false;
  try {
    const child = spawnFn(command[0], command[1], { detached: true, stdio: 'ignore', windowsHide: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
