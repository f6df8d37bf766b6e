import { spawn } from 'node:child_process';

export interface BrowserEnvironment {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
}

/**
 * The command that opens `url` in the user's browser, or undefined when there is
 * no graphical session (on Linux, `xdg-open` without one may start a text browser
 * in this very terminal).
 */
export function browserCommand(url: string, { platform, env }: BrowserEnvironment): [string, string[]] | undefined {
  if (platform === 'darwin') return ['open', [url]];
  // `start` is a cmd built-in; `^` escapes the `&` between query parameters for cmd.
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return ['xdg-open', [url]];
  return undefined;
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
