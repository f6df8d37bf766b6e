import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './test-app';

/** Whether a `redis-server` binary is on the PATH (fault tests run their own, never the shared one). */
export function redisServerInstalled(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface PrivateRedisOptions {
  password?: string;
  /** Serve TLS only (`rediss://`) with these PEM files. */
  tls?: { cert: string; key: string; ca: string };
}

/**
 * A redis-server of the test's own, on a free port, with its data in a temporary
 * directory and AOF on (`appendfsync always`): it can be paused (SIGSTOP), killed and
 * restarted on the same port and directory without touching anyone else's Redis.
 */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'private-redis-'));
  port = 0;
  private child?: ChildProcess;

  constructor(private readonly options: PrivateRedisOptions = {}) {}

  get url(): string {
    const auth = this.options.password ? `:${encodeURIComponent(this.options.password)}@` : '';
    return `${this.options.tls ? 'rediss' : 'redis'}://${auth}localhost:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const conf = [
      'bind 127.0.0.1',
      `dir ${this.dir}`,
      'appendonly yes',
      'appendfsync always',
      'save ""',
      ...(this.options.password ? [`requirepass ${this.options.password}`] : []),
      ...(this.options.tls
        ? ['port 0', `tls-port ${this.port}`, `tls-cert-file ${this.options.tls.cert}`, `tls-key-file ${this.options.tls.key}`, `tls-ca-cert-file ${this.options.tls.ca}`, 'tls-auth-clients no']
        : [`port ${this.port}`]),
    ];
    const confFile = join(this.dir, 'redis.conf');
    writeFileSync(confFile, `${conf.join('\n')}\n`);
    this.child = spawn('redis-server', [confFile], { stdio: 'ignore' });
    await this.waitUntilAnswering();
  }

  private async waitUntilAnswering(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        ...(this.options.tls ? { tls: { ca: readFileSync(this.options.tls.ca) } } : {}),
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return;
      } catch {
        // not yet
      } finally {
        client.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`private redis-server on port ${this.port} did not answer`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL: no shutdown, no final save; only what the AOF already holds survives. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }
}
