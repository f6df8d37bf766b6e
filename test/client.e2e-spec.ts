import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { CookieJarClient } from './support/cookie-jar';
import { authorizeWithBrowser, GENEROUS_RATE_LIMITS } from './support/oauth-flow';
import { SpawnedProcess, spawnTs } from './support/spawn-server';
import { freePort, startTestServer, TestServer } from './support/test-app';
import { requireTmux, Tmux } from './support/tmux';

const ROOT = join(__dirname, '..');
const CLIENT = 'src/client/main.ts';
/** The sign-in URL as the client prints it on stderr: alone on its line, indented. */
const AUTHORIZE_LINE = /^\s+(https?:\/\/\S+\/authorize\?\S+)$/m;
const haveTmux = requireTmux();

/**
 * `npm run client`, end to end: the real server with its embedded Entra emulator,
 * the client as a child process (stdout = results, stderr = progress), and this
 * test playing the browser over HTTP with a cookie jar.
 */
describe('npm run client (the console MCP client)', () => {
  jest.setTimeout(120_000);

  let server: TestServer;
  const configDirs: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(GENEROUS_RATE_LIMITS);
  });

  afterAll(async () => {
    await server?.close();
    for (const dir of configDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh `$XDG_CONFIG_HOME`: a user who never ran the client. */
  function newConfigHome(): string {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-client-e2e-'));
    configDirs.push(dir);
    return dir;
  }

  function runClient(configHome: string, args: string[]): SpawnedProcess {
    return spawnTs(CLIENT, { XDG_CONFIG_HOME: configHome }, ['--no-browser', ...args]);
  }

  /** Runs the client, waits for its sign-in URL and plays the browser (consent `decision`, then Adele Vance). */
  async function runWithBrowser(configHome: string, args: string[], browser: CookieJarClient, decision: 'Allow' | 'Deny' = 'Allow') {
    const client = runClient(configHome, args);
    const url = await authorizationUrlFrom(client);
    await playBrowser(server, browser, url, decision);
    const code = await client.exited;
    return { code, stdout: client.stdout(), stderr: client.stderr() };
  }

  describe.each([
    ['Streamable HTTP at /mcp, MCP 2026-07-28 by default', ['--transport', 'http'], '2026-07-28'],
    ['Streamable HTTP at /mcp with --protocol 2025-11-25', ['--transport', 'http', '--protocol', '2025-11-25'], '2025-11-25'],
    ['HTTP+SSE at /sse', ['--transport', 'sse'], '2025-11-25'],
  ])('over %s', (_label, transportArgs, revision) => {
    let home: string;
    const browser = new CookieJarClient();

    beforeAll(() => {
      home = newConfigHome();
    });

    it('shows the 401 challenge and the metadata, signs in through consent and the emulator, and prints Adele Vance', async () => {
      const run = await runWithBrowser(home, ['--server', server.url, ...transportArgs, '--call', 'get_user_name'], browser);

      expect(run.stderr).toContain('HTTP 401');
      expect(run.stderr).toMatch(/WWW-Authenticate: +Bearer .*resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource"/);
      expect(run.stderr).toMatch(/authorization servers: +http:\/\/localhost:\d+/);
      expect(run.stderr).toMatch(/Registered as client \S+ \(dynamic client registration, RFC 7591\)/);
      expect(run.stderr).toContain('Signed in.');
      expect(run.stderr).toContain(`MCP protocol revision ${revision}.`);
      expect(run.stdout).toBe('Adele Vance\n');
      expect(run.code).toBe(0);
    });

    it('reuses the stored tokens on the next run, without a browser', async () => {
      const client = runClient(home, ['--server', server.url, ...transportArgs, '--call', 'get_user_name']);
      const code = await client.exited;

      expect(client.stderr()).not.toContain('/authorize?');
      expect(client.stderr()).toContain(`MCP protocol revision ${revision}.`);
      expect(client.stdout()).toBe('Adele Vance\n');
      expect(code).toBe(0);
    });
  });

  describe('with a signed-in user', () => {
    let home: string;
    const browser = new CookieJarClient();

    beforeAll(async () => {
      home = newConfigHome();
      const run = await runWithBrowser(home, ['--server', server.url, '--call', 'whoami'], browser);
      expect(run.code).toBe(0);
    });

    it('keeps registration and tokens in $XDG_CONFIG_HOME/mcp-console-client, one file per server, mode 0600', () => {
      const dir = join(home, 'mcp-console-client', 'servers');
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(statSync(join(dir, files[0]!)).mode & 0o777).toBe(0o600);
      const entry = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
      expect(entry.server).toBe(server.url);
      expect(entry.client.client_name).toBe('MCP Console Client');
      expect(entry.client.redirect_uris).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)]);
      expect(entry.tokens.refresh_token).toEqual(expect.any(String));
    });

    it('--list-tools prints the tools with their descriptions on stdout', async () => {
      const client = runClient(home, ['--server', server.url, '--list-tools']);
      expect(await client.exited).toBe(0);
      for (const name of ['get_user_name', 'get_user_profile', 'whoami']) expect(client.stdout()).toMatch(new RegExp(`^${name}$`, 'm'));
    });

    it('--json puts only the JSON result on stdout', async () => {
      const client = runClient(home, ['--server', server.url, '--call', 'get_user_name', '--json']);
      expect(await client.exited).toBe(0);
      const result = JSON.parse(client.stdout());
      expect(result.content).toEqual([expect.objectContaining({ type: 'text', text: 'Adele Vance' })]);
    });

    it('exits 1 with one sentence when the tool does not exist', async () => {
      const client = runClient(home, ['--server', server.url, '--call', 'no_such_tool']);
      expect(await client.exited).toBe(1);
      expect(client.stdout()).toBe('');
      expect(client.stderr()).toMatch(/no_such_tool/);
      expect(client.stderr()).not.toMatch(/^\s+at /m);
    });

    (haveTmux ? it : it.skip)('runs the interactive prompt in a terminal: list tools, call get_user_name, quit', async () => {
      const tmux = new Tmux(`mcp-client-e2e-${process.pid}`, ROOT);
      try {
        tmux.start(`XDG_CONFIG_HOME=${home} node -r ts-node/register/transpile-only ${CLIENT} --server ${server.url} --no-browser; echo "EXIT=$?"; sleep 60`);
        await tmux.waitFor(/mcp>$/); // the prompt, last on the screen
        expect(tmux.screen()).toMatch(/Signed in to http:\/\/localhost:\d+: 4 tools/);

        tmux.type('tools');
        await tmux.waitFor(/arguments: none[\s\S]*mcp>$/);
        expect(tmux.screen()).toMatch(/^get_user_profile$/m);

        tmux.type('call get_user_name');
        await tmux.waitFor(/^Adele Vance$/m);

        tmux.type('quit');
        await tmux.waitFor(/^EXIT=0$/m);
      } finally {
        tmux.kill();
      }
    });

    it('--logout revokes the tokens at the server and forgets them; the next call needs a sign-in again', async () => {
      const entryFile = readdirSync(join(home, 'mcp-console-client', 'servers'))[0]!;
      const before = JSON.parse(readFileSync(join(home, 'mcp-console-client', 'servers', entryFile), 'utf8'));

      const logout = runClient(home, ['--server', server.url, '--logout']);
      expect(await logout.exited).toBe(0);
      expect(logout.stderr()).toContain(`Signed out of ${server.url}.`);

      // RFC 7009: the revoked access token no longer opens the MCP endpoint.
      const res = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${before.tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(401);
      const after = JSON.parse(readFileSync(join(home, 'mcp-console-client', 'servers', entryFile), 'utf8'));
      expect(after.tokens).toBeUndefined();

      const call = runClient(home, ['--server', server.url, '--call', 'get_user_name', '--timeout', '2']);
      expect(await call.exited).toBe(3);
      expect(call.stderr()).toMatch(AUTHORIZE_LINE);
      expect(call.stderr()).toContain('Sign-in timed out');
      expect(call.stdout()).toBe('');
    });
  });

  it('exits 3 with a clear message when consent is denied', async () => {
    const run = await runWithBrowser(newConfigHome(), ['--server', server.url, '--call', 'get_user_name'], new CookieJarClient(), 'Deny');

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Sign-in was denied');
    expect(run.stdout).toBe('');
  });

  it('registers again when the stored callback port is taken by another program', async () => {
    const home = newConfigHome();
    const browser = new CookieJarClient();
    expect((await runWithBrowser(home, ['--server', server.url, '--call', 'get_user_name'], browser)).code).toBe(0);
    const logout = runClient(home, ['--server', server.url, '--logout']);
    expect(await logout.exited).toBe(0);
    const file = join(home, 'mcp-console-client', 'servers', readdirSync(join(home, 'mcp-console-client', 'servers'))[0]!);
    const port = Number(new URL(JSON.parse(readFileSync(file, 'utf8')).client.redirect_uris[0]).port);

    const squatter = await occupy(port);
    try {
      const run = await runWithBrowser(home, ['--server', server.url, '--call', 'get_user_name'], browser);
      expect(run.stderr).toContain(`Callback port ${port} is in use; registering again with a free port.`);
      expect(run.stdout).toBe('Adele Vance\n');
      expect(run.code).toBe(0);
    } finally {
      squatter.close();
    }
  });

  it('exits 4 with one sentence when the server is not running', async () => {
    const client = runClient(newConfigHome(), ['--server', `http://localhost:${await freePort()}`, '--call', 'get_user_name']);
    expect(await client.exited).toBe(4);
    expect(client.stderr()).toMatch(/Cannot reach the MCP server at http:\/\/localhost:\d+ \(connection refused\): is it running\?/);
    expect(client.stderr()).not.toMatch(/^\s+at /m);
  });

  it.each([
    [['--transport', 'carrier-pigeon', '--list-tools']],
    [['--args', '{}']],
    [['--call', 'x', '--args', 'not json']],
    [['--frobnicate']],
    [[]], // no terminal and nothing to do
  ])('exits 2 on bad usage: %j', async (args) => {
    const client = runClient(newConfigHome(), ['--server', server.url, ...args]);
    expect(await client.exited).toBe(2);
    expect(client.stderr().trim().split('\n')).toHaveLength(1);
  });
  describe('when Entra ends the sign-in behind the stored grant (refresh refused)', () => {
    it.each(['http', 'sse'])('over --transport %s: the server answers 401 invalid_token and the client signs in again in the same run', async (transport) => {
      const emulator = server.app.get(EntraEmulator);
      const home = newConfigHome();
      emulator.setAccessTokenLifetime(30); // inside the server's refresh margin: due for refresh on every request
      try {
        const first = await runWithBrowser(home, ['--server', server.url, '--transport', transport, '--call', 'whoami'], new CookieJarClient());
        expect(first.code).toBe(0);
      } finally {
        emulator.setAccessTokenLifetime(3600);
      }
      expect(await emulator.revokeRefreshTokens()).toBeGreaterThan(0);

      const run = await runWithBrowser(home, ['--server', server.url, '--transport', transport, '--call', 'get_user_name'], new CookieJarClient());
      expect(run.stderr).toContain('signing in again');
      expect(run.stderr).toContain('Signed in.');
      expect(run.stdout).toBe('Adele Vance\n');
      expect(run.code).toBe(0);
    });
  });
});

/** Waits until the client prints the authorization URL on stderr (or exits without one). */
async function authorizationUrlFrom(client: SpawnedProcess, timeoutMs = 60_000): Promise<URL> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void client.exited.then(() => (exited = true));
  for (;;) {
    const match = AUTHORIZE_LINE.exec(client.stderr());
    if (match) return new URL(match[1]!);
    if (exited || Date.now() > deadline) {
      throw new Error(`the client printed no sign-in URL; stderr:\n${client.stderr()}\nstdout:\n${client.stdout()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Plays the user's browser from the printed URL (the shared OAuth helper clicks
 * through consent and the emulator's sign-in), then delivers the redirect to the
 * client's loopback callback, as the browser would.
 */
async function playBrowser(server: TestServer, browser: CookieJarClient, start: URL, decision: 'Allow' | 'Deny'): Promise<void> {
  const flow = await authorizeWithBrowser(server, start, { jar: browser, decision, user: 'Adele Vance' });
  if (!flow.reachedClient) {
    throw new Error(`the browser never reached the client: ended at ${flow.url.origin}${flow.url.pathname} (HTTP ${flow.response.status})`);
  }
  const res = await fetch(flow.url);
  await res.text();
}

/** Holds a loopback port open, as another program would. */
async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}
