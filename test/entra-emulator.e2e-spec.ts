/**
 * How the server meets Entra without a tenant: pointed at a standalone emulator as at a real
 * tenant, refusing production without one, and `npm run emulator` on its own.
 */
import { spawn } from 'node:child_process';
import { AppConfig } from '../src/config/app-config';
import { EMULATOR_CLIENT_ID, EMULATOR_TENANT_ID } from '../src/config/emulator.constants';
import { EntraClient } from '../src/entra/entra-client.port';
import { createEmbeddedEmulator } from '../src/entra-emulator/entra-emulator.module';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { MemoryStore } from '../src/store/memory.store';
import { CookieJarClient } from './support/cookie-jar';
import { newAuthorizationRequest } from './support/entra-flow';
import { formSubmission, formWithButton } from './support/html-forms';
import { freePort, startTestServer } from './support/test-app';

jest.setTimeout(30_000);

const ROOT = `${__dirname}/..`;

interface Child {
  /** Exit code, null while running. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  stop(): Promise<void>;
}

/** Runs a command from the project root; resolves once it exits, or as soon as `until` matches its stdout (then call stop()). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, until?: (stdout: string) => boolean): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const handle: Child = {
      get code() {
        return child.exitCode;
      },
      get stdout() {
        return stdout;
      },
      get stderr() {
        return stderr;
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until?.(stdout)) resolve(handle);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    void exited.then(() => resolve(handle));
  });
}

describe('A server pointed at a standalone emulator, as at a real tenant', () => {
  it('signs in through AUTH_AUTHORITY=http://localhost:N with the same client code', async () => {
    const redirectUri = `http://localhost:${await freePort()}/auth/callback`;
    const emulator = new EntraEmulator({ port: 0, redirectUris: [redirectUri] });
    await emulator.start();
    const server = await startTestServer({
      AUTH_AUTHORITY: emulator.origin,
      AUTH_TENANT_ID: emulator.tenantId,
      AUTH_CLIENT_ID: emulator.clientId,
      AUTH_REDIRECT_URI: redirectUri,
      GRAPH_BASE_URL: emulator.graphBaseUrl,
    });
    try {
      expect(server.config.entra.mode).toBe('tenant');
      await expect(fetch(`http://localhost:${server.config.emulatorPort}/`)).rejects.toThrow('fetch failed');
      const entra = server.app.get(EntraClient);
      const request = newAuthorizationRequest();
      const jar = new CookieJarClient();
      const isCallback = (url: URL) => url.href.startsWith(`${redirectUri}?`);
      const page = await jar.followRedirects(await entra.buildAuthorizationUrl(request), { stopAt: isCallback });
      const { form, button } = formWithButton(await page.response.text(), page.url, 'Megan Bowen');
      const submission = formSubmission(form, button);
      const back = await jar.followRedirects(submission.url, { init: submission.init, stopAt: isCallback });
      const tokens = await entra.exchangeCode(back.url, request);
      expect(tokens.identity.name).toBe('Megan Bowen');
      const me = await fetch(`${server.config.graphBaseUrl}/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
      expect(((await me.json()) as { displayName: string }).displayName).toBe('Megan Bowen');
    } finally {
      await server.close();
      await emulator.stop();
    }
  });
});

describe('Starting without an Entra tenant', () => {
  it('refuses a production start without AUTH_TENANT_ID, naming the variable', async () => {
    const env = { ...process.env, NODE_ENV: 'production', AUTH_TENANT_ID: '', AUTH_CLIENT_ID: '', AUTH_AUTHORITY: '', PORT: String(await freePort()) };
    const result = await run('npx', ['ts-node', '--transpile-only', '-P', 'tsconfig.json', 'src/main.ts'], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('AUTH_TENANT_ID');
  }, 60_000);

  it('never creates the embedded emulator in production, even if asked', () => {
    const config = Object.assign(new AppConfig(), { isProduction: true });
    expect(() => createEmbeddedEmulator(config, new MemoryStore())).toThrow(/never runs with NODE_ENV=production.*AUTH_TENANT_ID/);
  });

  it('needs a fixed emulator port, since the issuer is part of the configuration', () => {
    const config = Object.assign(new AppConfig(), { isProduction: false, emulatorPort: 0 });
    expect(() => createEmbeddedEmulator(config, new MemoryStore())).toThrow(/EMULATOR_PORT/);
  });
});

describe('npm run emulator (standalone)', () => {
  it('prints only the NAME=value lines that point a server at it, and serves Entra discovery', async () => {
    const port = await freePort();
    const child = await run(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/entra-emulator/emulator.cli.ts', '--port', String(port), '--redirect-uri', 'http://localhost:9999/auth/callback'],
      { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' },
      (stdout) => stdout.includes('GRAPH_BASE_URL='),
    );
    try {
      expect(child.stdout.trim().split('\n')).toEqual([
        `AUTH_AUTHORITY=http://localhost:${port}`,
        `AUTH_TENANT_ID=${EMULATOR_TENANT_ID}`,
        `AUTH_CLIENT_ID=${EMULATOR_CLIENT_ID}`,
        `GRAPH_BASE_URL=http://localhost:${port}/v1.0`,
      ]);
      const discovery = await fetch(`http://localhost:${port}/${EMULATOR_TENANT_ID}/v2.0/.well-known/openid-configuration`);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(`http://localhost:${port}/${EMULATOR_TENANT_ID}/v2.0`);
    } finally {
      await child.stop();
    }
    expect(child.stderr).toContain('Entra emulator at');
  }, 60_000);
});
