/**
 * MCP Inspector 2.x (an exact devDependency) on Node 22 (the `node` npm package, also a
 * devDependency): nothing is downloaded at test time. Inspector needs Node ≥ 22.19; the
 * project's tests run on the system Node, so Inspector runs in a child process.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireOrSkip } from './requirements';
import { freePort } from './test-app';

/** Node 22 from the `node` devDependency (its `.bin/node` link is removed after install, see package.json). */
export const NODE22 = join(__dirname, '../../node_modules/node/bin/node');
/** Inspector's launcher (`mcp-inspector`): `--cli` or `--web`. */
export const INSPECTOR_LAUNCHER = join(__dirname, '../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');

/** True when Node 22 and Inspector are installed; otherwise skips loudly (or fails when CI is set). */
export function requireInspector(): boolean {
  return requireOrSkip(
    'MCP Inspector on Node 22',
    existsSync(NODE22) && existsSync(INSPECTOR_LAUNCHER),
    `run "npm install" (devDependencies "node" and "@modelcontextprotocol/inspector"; expected ${NODE22} and ${INSPECTOR_LAUNCHER})`,
  );
}

/** A private home for Inspector: its config, storage and catalog never touch the developer's. */
function inspectorHome(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-inspector-'));
  return {
    dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, '.config'),
      MCP_STORAGE_DIR: join(dir, 'storage'),
      MCP_INSPECTOR_SECRET_STORE: 'memory',
      MCP_AUTO_OPEN_ENABLED: 'false',
    },
  };
}

/** Runs `mcp-inspector --cli …` and parses the JSON it prints. */
export function inspectorCli(args: string[]): Promise<unknown> {
  const home = inspectorHome();
  return new Promise<unknown>((resolve, reject) => {
    execFile(NODE22, [INSPECTOR_LAUNCHER, '--cli', ...args], { timeout: 120_000, maxBuffer: 10 * 1024 * 1024, env: home.env }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`inspector failed: ${error.message}\n${stderr.slice(-2000)}`));
      try {
        resolve(JSON.parse(stdout.slice(stdout.indexOf('{'))));
      } catch {
        reject(new Error(`inspector printed no JSON:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  }).finally(() => rmSync(home.dir, { recursive: true, force: true }));
}

export interface InspectorWeb {
  /** The page to open, with the API token in the query as Inspector prints it. */
  url: string;
  /** Inspector's origin, where its OAuth callback (`/oauth/callback`) lives. */
  origin: string;
  /** Everything Inspector wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Inspector's web UI on free loopback ports, auto-open off, with an empty server
 * catalog of its own (Inspector writes added servers into it) and a random API token
 * (`MCP_INSPECTOR_API_TOKEN`, passed to the page in the URL, as Inspector documents).
 */
export async function startInspectorWeb(): Promise<InspectorWeb> {
  const home = inspectorHome();
  const catalog = join(home.dir, 'mcp.json');
  writeFileSync(catalog, JSON.stringify({ mcpServers: {} }));
  const token = randomBytes(16).toString('hex');
  const clientPort = await freePort();
  const child: ChildProcess = spawn(NODE22, [INSPECTOR_LAUNCHER, '--web', '--catalog', catalog], {
    env: {
      ...home.env,
      HOST: '127.0.0.1',
      CLIENT_PORT: String(clientPort),
      MCP_SANDBOX_PORT: String(await freePort()),
      MCP_APP_ORIGIN_PORT: String(await freePort()),
      MCP_INSPECTOR_API_TOKEN: token,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = `http://127.0.0.1:${clientPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    rmSync(home.dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes(`${origin}?MCP_INSPECTOR_API_TOKEN=`)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`MCP Inspector's web UI did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url: `${origin}?MCP_INSPECTOR_API_TOKEN=${token}`, origin, output: () => output, stop };
}
