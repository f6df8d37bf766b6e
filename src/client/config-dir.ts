import { join } from 'node:path';

const APP_DIR = 'mcp-console-client';

export interface ConfigDirInputs {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  homedir: string;
}

/**
 * Where the client keeps its registrations and tokens: `$XDG_CONFIG_HOME` when set
 * (any OS), else the OS convention: `~/Library/Application Support` on macOS,
 * `%APPDATA%` on Windows, `~/.config` elsewhere.
 */
export function configDirectory({ env, platform, homedir }: ConfigDirInputs): string {
  const xdg = env.XDG_CONFIG_HOME;
  // XDG Base Directory spec: a relative path is invalid and must be ignored.
  if (xdg && xdg.startsWith('/')) return join(xdg, APP_DIR);
  if (platform === 'darwin') return join(homedir, 'Library', 'Application Support', APP_DIR);
  if (platform === 'win32') return join(env.APPDATA || join(homedir, 'AppData', 'Roaming'), APP_DIR);
  return join(homedir, '.config', APP_DIR);
}
