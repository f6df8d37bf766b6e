import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * The environment of an entry point (the server, the audit query command): `.env` in the working
 * directory if present, with process.env winning, as usual for twelve-factor services. Only entry
 * points call this; everything else receives the validated AppConfig.
 */
export function readEnvironment(): Record<string, string | undefined> {
  const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
  return { ...fromFile, ...process.env };
}
