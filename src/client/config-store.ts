import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** Tokens as the SDK hands them over (with `issuer`), plus when the access token expires. */
export type StoredTokens = OAuthTokens & {
  /** Epoch seconds; absent when the server did not say (`expires_in`). */
  expires_at?: number;
};

/** Everything the client remembers about one server. */
export interface ServerEntry {
  /** The `--server` base URL this entry belongs to. */
  server: string;
  client?: OAuthClientInformationMixed;
  tokens?: StoredTokens;
  discovery?: OAuthDiscoveryState;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * One JSON file per server under the config directory. Files are written
 * atomically (temp file + rename) with mode 0600: they hold refresh tokens.
 */
export class ConfigStore {
  constructor(readonly directory: string) {}

  /** The file for `server`: a readable slug plus a hash, so distinct URLs never collide. */
  fileFor(server: string): string {
    const url = new URL(server);
    const slug = `${url.hostname}_${url.port || (url.protocol === 'https:' ? '443' : '80')}`.replace(/[^a-zA-Z0-9._-]/g, '_');
    const hash = createHash('sha256').update(server).digest('hex').slice(0, 12);
    return join(this.directory, 'servers', `${slug}-${hash}.json`);
  }

  load(server: string): ServerEntry {
    let text: string;
    try {
      text = readFileSync(this.fileFor(server), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { server };
      throw error;
    }
    try {
      const entry = JSON.parse(text) as ServerEntry;
      // A copied or hand-edited file for another server is not used for this one.
      return entry && entry.server === server ? entry : { server };
    } catch {
      return { server };
    }
  }

  save(entry: ServerEntry): void {
    const file = this.fileFor(entry.server);
    const dir = join(this.directory, 'servers');
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temp, `${JSON.stringify(entry, null, 2)}\n`, { mode: FILE_MODE });
    // The mode given to writeFileSync is filtered by the umask; make it exact.
    chmodSync(temp, FILE_MODE);
    renameSync(temp, file);
  }

  delete(server: string): void {
    rmSync(this.fileFor(server), { force: true });
  }
}
