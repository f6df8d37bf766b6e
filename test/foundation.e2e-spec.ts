import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { EnvDto } from '../src/config/env.dto';
import { spawnServer, spawnTs, waitForOutput } from './support/spawn-server';

const ROOT = join(__dirname, '..');

describe('Starting the service', () => {
  jest.setTimeout(60_000);

  it('refuses PORT=abc and exits non-zero with one line naming the variable and a good example', async () => {
    const proc = spawnTs('src/main.ts', { PORT: 'abc', DATA_DIR: mkdtempSync(join(tmpdir(), 'start-')) });
    expect(await proc.exited).not.toBe(0);
    expect(proc.stderr()).toContain('PORT: must be an integer port number between 0 and 65535 (got "abc"); for example PORT=8000');
  });

  it('refuses a production start without AUTH_SIGNING_KEY, naming it, without echoing any secret', async () => {
    const proc = spawnTs('src/main.ts', {
      NODE_ENV: 'production',
      SERVER_URL: 'https://mcp.example.com',
      AUTH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      AUTH_CLIENT_ID: '00000000-1111-2222-3333-444444444444',
      AUTH_CLIENT_SECRET: 'do-not-print-this-secret',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'start-')),
    });
    expect(await proc.exited).not.toBe(0);
    expect(proc.stderr()).toMatch(/^ {2}AUTH_SIGNING_KEY: required in production; for example AUTH_SIGNING_KEY=/m);
    expect(proc.stderr()).not.toContain('do-not-print-this-secret');
  });

  describe('when running', () => {
    let server: ReturnType<typeof spawnTs>;
    let url: string;

    beforeAll(async () => {
      ({ server, url } = await spawnServer());
    });

    afterAll(async () => {
      await server.stop();
    });

    it('answers GET /health', async () => {
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(200);
    });

    it('never writes credentials to the log: headers, cookies and secret query parameters are redacted', async () => {
      await fetch(`${url}/auth/callback?code=SECRET-CODE-1&state=SECRET-STATE-2&session_state=visible`, {
        headers: { authorization: 'Bearer SECRET-TOKEN-3', cookie: 'mcp_consent=SECRET-COOKIE-4' },
        redirect: 'manual',
      });
      await fetch(`${url}/token?refresh_token=SECRET-REFRESH-5`, { method: 'POST' });
      await waitForOutput(server, '/token?refresh_token=');
      const log = server.stdout() + server.stderr();
      expect(log).toContain('/auth/callback?code=[REDACTED]&state=[REDACTED]&session_state=visible');
      for (const secret of ['SECRET-CODE-1', 'SECRET-STATE-2', 'SECRET-TOKEN-3', 'SECRET-COOKIE-4', 'SECRET-REFRESH-5']) {
        expect(log).not.toContain(secret);
      }
    });

    it('shuts down gracefully on SIGTERM: closes the store and exits by that signal, without errors', async () => {
      server.child.kill('SIGTERM');
      await server.exited;
      // Nest re-raises the signal once shutdown hooks have run, so the exit is "by SIGTERM", as a container runtime expects.
      expect(String(server.child.signalCode ?? server.child.exitCode)).toMatch(/^(SIGTERM|0)$/);
      expect(server.stdout() + server.stderr()).not.toMatch(/"level":(50|60)/);
    });
  });
});

describe('Configuration reference', () => {
  it('.env.example lists every variable the service reads, each with a comment', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    const read = [...new Set(getMetadataStorage().getTargetValidationMetadatas(EnvDto, '', true, false).map((m) => m.propertyName))];
    expect([...documented].sort()).toEqual([...read].sort());
    const lines = example.split('\n');
    for (const name of documented) {
      const index = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect(lines.slice(0, index).reverse().find((l) => l.trim() !== '' && !/^[A-Z_]+=/.test(l))).toMatch(/^#/);
    }
  });
});
