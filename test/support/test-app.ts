import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestExpressApplication } from '@nestjs/platform-express';
import { createApp, listen } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { Environment, loadConfig } from '../../src/config/load-config';

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestServer {
  app: NestExpressApplication;
  config: AppConfig;
  /** `http://localhost:<port>`: the server's public URL (issuer, resource). */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts the whole service as production runs it (same bootstrap), on free ports,
 * with its own data directory and, unless the environment says otherwise, the
 * embedded Entra emulator. `env` overrides the defaults.
 */
export async function startTestServer(env: Environment = {}): Promise<TestServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-entra-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    EMULATOR_PORT: String(await freePort()),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await createApp(config);
  await listen(app, config.port);
  return {
    app,
    config,
    url: config.serverUrl,
    dataDir,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
