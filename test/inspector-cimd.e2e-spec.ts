/**
 * MCP Inspector 2.x signs in with a Client ID Metadata Document (`--client-metadata-url`,
 * available in its CLI since 2.12): no registration, the consent page every time, then a tool
 * call with the token. Inspector needs Node ≥ 22 (fetched with `npx -p node@22`) and a download,
 * so this suite runs only with RUN_INSPECTOR=1 (`npm run test:inspector`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieJarClient } from './support/cookie-jar';
import { Certificate, DocumentServer, selfSignedCertificate, startDocumentServer } from './support/document-server';
import { authorizeWithBrowser, GENEROUS_RATE_LIMITS } from './support/oauth-flow';
import { spawnServer, SpawnedProcess } from './support/spawn-server';
import { freePort } from './support/test-app';

const RUN = process.env.RUN_INSPECTOR === '1';
const INSPECTOR = process.env.INSPECTOR_PACKAGE ?? '@modelcontextprotocol/inspector@^2.12';

if (!RUN) process.stderr.write('\nSkipping the MCP Inspector CIMD suite: set RUN_INSPECTOR=1 (npm run test:inspector).\n\n');

(RUN ? describe : describe.skip)('MCP Inspector CLI with --client-metadata-url', () => {
  jest.setTimeout(900_000);
  let certificate: Certificate | null;
  let docs: DocumentServer;
  let spawned: { server: SpawnedProcess; url: string } | undefined;
  let home: string;

  beforeAll(async () => {
    certificate = selfSignedCertificate();
    if (!certificate) return;
    docs = await startDocumentServer({ tls: certificate });
    spawned = await spawnServer({ ...GENEROUS_RATE_LIMITS, CIMD_ALLOW_LOOPBACK: 'true', NODE_EXTRA_CA_CERTS: certificate.certFile });
    home = mkdtempSync(join(tmpdir(), 'inspector-home-'));
  });

  afterAll(async () => {
    await spawned?.server.stop();
    await docs?.close();
    certificate?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('signs in with its document URL as client_id (consent page shown) and calls get_user_name', async () => {
    if (!spawned) return;
    const callbackUrl = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    const documentUrl = docs.url('/inspector/client-metadata.json');
    docs.serveJson('/inspector/client-metadata.json', {
      client_id: documentUrl,
      client_name: 'MCP Inspector (test)',
      redirect_uris: [callbackUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });

    const child = spawn(
      'npx',
      [
        '-y', '-p', 'node@22', '-p', INSPECTOR, 'mcp-inspector', '--cli', `${spawned.url}/mcp`,
        '--transport', 'http',
        '--client-metadata-url', documentUrl,
        '--callback-url', callbackUrl,
        '--method', 'tools/call', '--tool-name', 'get_user_name',
        '--format', 'json',
      ],
      {
        env: {
          ...process.env,
          npm_config_yes: 'true',
          HOME: home,
          XDG_CONFIG_HOME: home,
          MCP_STORAGE_DIR: join(home, 'storage'),
          MCP_INSPECTOR_SECRET_STORE: 'memory',
          // Without a TTY Inspector signs in only when told to open a browser; `true` stands in for it.
          MCP_AUTO_OPEN_ENABLED: 'true',
          BROWSER: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    try {
      // Inspector prints the authorization URL (and "opens" it with `true`); we play the browser.
      const deadline = Date.now() + 600_000;
      let match: RegExpExecArray | null = null;
      while (!(match = /Please navigate to: (\S+)/.exec(stderr))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Inspector printed no authorization URL:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const authorization = new URL(match[1]!);
      expect(authorization.searchParams.get('client_id')).toBe(documentUrl);

      const flow = await authorizeWithBrowser({ url: spawned.url }, authorization, { jar: new CookieJarClient(), redirectUri: callbackUrl });
      expect(flow).toMatchObject({ reachedClient: true, consentShown: true, signInShown: true });
      // Hand the code to Inspector's callback listener, as the browser would.
      await fetch(flow.url);

      expect(await exited).toBe(0);
      expect(stdout).toContain('Adele Vance');
      expect(docs.hits('/inspector/client-metadata.json')).toBeGreaterThan(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  });
});
