import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './test-app';

const ROOT = join(__dirname, '..', '..');

export interface SpawnedProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript entry point of this repository (e.g. `src/main.ts`) in its own
 * Node process, as `npm run start` would, with exactly the given environment
 * (plus PATH and HOME), capturing its output.
 */
export function spawnTs(entry: string, env: Record<string, string>, args: string[] = []): SpawnedProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', entry, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TS_NODE_PROJECT: 'tsconfig.json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `url` until it answers 200 or the time runs out (or `proc`, the process meant to answer, exits). */
export async function waitForOk(url: string, timeoutMs = 30_000, proc?: SpawnedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.child.exitCode !== null) throw new Error(`the process exited with code ${proc.child.exitCode} before ${url} answered 200`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts the server entry point (`src/main.ts`) in its own process on free ports, with its
 * own data directory and the embedded emulator, and waits until `/health` answers.
 */
export async function spawnServer(env: Record<string, string> = {}): Promise<{ server: SpawnedProcess; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://localhost:${port}`;
    const server = spawnTs('src/main.ts', {
      NODE_ENV: 'test',
      PORT: String(port),
      EMULATOR_PORT: String(await freePort()),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'spawned-server-')),
      LOG_LEVEL: 'info',
      ...env,
    });
    try {
      await waitForOk(`${url}/health`, 30_000, server);
      return { server, url };
    } catch (error) {
      await server.stop();
      const output = server.stdout() + server.stderr();
      // Tests run in parallel: another one's process may take a port between our choosing it and listening on it.
      if (attempt < 3 && output.includes('EADDRINUSE')) continue;
      throw new Error(`${(error as Error).message}; the server wrote:\n${output.slice(-3000)}`);
    }
  }
}

/** Waits until the process has written `text` (stdout or stderr): log lines reach the pipe asynchronously. */
export async function waitForOutput(proc: SpawnedProcess, text: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(proc.stdout() + proc.stderr()).includes(text)) {
    if (Date.now() > deadline) throw new Error(`the process did not write "${text}" within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
