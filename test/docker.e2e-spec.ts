/**
 * docker compose, as README "Docker" tells a user to run it, without needing a Docker daemon
 * (CI has none): the Dockerfile and compose files are read the way docker reads them, each
 * service's environment is resolved as compose resolves it (image ENV < env_file <
 * environment), with `.env` made from `.env.example` plus the README's values, and the files
 * the image would hold are started with exactly that environment.
 *
 * Substituted, because the container world provides them and this test has none: ports (free
 * ports instead of 8000/8001/443), Redis (the test's Redis with a key prefix of its own instead
 * of redis:6379), docker's DNS answer for `mcp-server` in the nginx config (the replicas'
 * addresses), and the `/data` and `/etc/nginx/certs` folders (temporary ones). Nothing else.
 *
 * The production service never contacts Entra while starting (discovery happens at the first
 * sign-in), so its start needs no Entra test double: it keeps the README's tenant and
 * authority, and the test checks it is up, in production mode, without the emulator.
 */
import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join, parse as parsePath } from 'node:path';
import { parseEnv, promisify } from 'node:util';
import { redisAnswersSync } from '../src/store/testing/redis-probe';
import {
  ComposeService,
  DockerStage,
  editDotenv,
  Env,
  parseDockerfile,
  readComposeFile,
  serviceEnvironment,
  stageChain,
} from './support/compose-environment';
import { authorizeUrl, authorizeWithBrowser, newPkce, obtainTokens, ObtainedTokens } from './support/oauth-flow';
import { requireOrSkip } from './support/requirements';

const run = promisify(execFile);
// Each slow hook and test below names its own, longer limit.
jest.setTimeout(90_000);
const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const dockerfile: DockerStage[] = parseDockerfile(read('Dockerfile'));
const compose = readComposeFile(join(ROOT, 'docker-compose.yml'));
const readme = read('README.md');
const dockerSection = readme.slice(readme.indexOf('\n## Docker\n'), readme.indexOf('\n## ', readme.indexOf('\n## Docker\n') + 1));

/** The first fenced block of `lang` in README's Docker section after `marker`. */
function readmeBlock(lang: string, marker = ''): string {
  const from = dockerSection.indexOf(marker);
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(dockerSection.slice(from));
  if (from < 0 || !match) throw new Error(`README "Docker" has no \`\`\`${lang} block after "${marker}"`);
  return match[1];
}

/** The values the README tells the user to set; `<the output of: openssl rand -hex 32>` is what that command prints. */
function readmeValues(): Env {
  const values = parseEnv(readmeBlock('dotenv')) as Env;
  for (const [name, value] of Object.entries(values)) {
    if (value === '<the output of: openssl rand -hex 32>') values[name] = randomBytes(32).toString('hex');
    else if (/[<>]/.test(value)) throw new Error(`README value ${name}=${value} is a placeholder this test cannot fill`);
  }
  return values;
}

/** `.env` as the user makes it: `cp .env.example .env`, then the README's values. */
function userDotenv(values: Env = readmeValues()): string {
  return editDotenv(read('.env.example'), values);
}

function environmentOf(service: string, dotenv: string): Env {
  return serviceEnvironment({ projectDir: ROOT, compose, service, dockerfile, files: { '.env': dotenv } });
}

const scaledCompose = readComposeFile(join(ROOT, 'docker-compose.scaled.yml'));

function scaledEnvironment(dotenv: string): Env {
  return serviceEnvironment({ projectDir: ROOT, compose: scaledCompose, service: 'mcp-server', dockerfile, files: { '.env': dotenv } });
}

/** Debian installs nginx in /usr/sbin, which is not on every user's PATH. */
const NGINX = ['nginx', '/usr/sbin/nginx'].find((candidate) => spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0);

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms:\n${explain().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The dev service may still be compiling: its ports are chosen but not bound yet. */
function devServicePorts(): number[] {
  return devService ? [devService.port, devService.emulatorPort] : [];
}

/** A free TCP port, not one the dev service will take (the shared helpers would load the whole application into this test's process). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (!devServicePorts().includes(port)) return port;
  }
}

/** Polls `url` until it answers 200; fails at once, with the output, when `proc` exits first. */
async function waitForOk(url: string, timeoutMs: number, proc?: Started): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (proc && proc.child.exitCode !== null) throw new Error(`the process exited (${proc.child.exitCode}) before ${url} answered:\n${proc.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms${proc ? `:\n${proc.output().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A free port whose successor is free too (the server's default EMULATOR_PORT is PORT + 1). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65535 && !devServicePorts().includes(port + 1) && (await portIsFree(port + 1))) return port;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

interface Started {
  child: ChildProcess;
  output(): string;
  stderr(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Runs a command in its own process group (nest start --watch has children) with exactly `env` plus PATH and HOME. */
function start(command: string, args: string[], cwd: string, env: Env): Started {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out + err,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}

async function waitForText(proc: Started, text: string | RegExp, timeoutMs: number, from = 0): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const found = () => (typeof text === 'string' ? proc.output().slice(from).includes(text) : text.test(proc.output().slice(from)));
  while (!found()) {
    if (proc.child.exitCode !== null) throw new Error(`the process exited (${proc.child.exitCode}) before writing ${String(text)}:\n${proc.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`no ${String(text)} within ${timeoutMs} ms:\n${proc.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Network addresses of the container world, replaced by this machine's (see the file comment). */
function substituteAddresses(env: Env, ports: { port: number; emulatorPort?: number }, dataDir: string): Env {
  const out: Env = { ...env, PORT: String(ports.port), DATA_DIR: dataDir };
  if (ports.emulatorPort !== undefined) out.EMULATOR_PORT = String(ports.emulatorPort);
  if (out.REDIS_URL === 'redis://redis:6379') {
    out.REDIS_URL = REDIS_URL;
    out.REDIS_KEY_PREFIX = `docker-e2e-${randomBytes(4).toString('hex')}:`;
  }
  return out;
}

const runtimeStage = () => dockerfile.find((s) => s.name === 'runtime')!;

/**
 * The runtime stage's files in a temporary folder: package.json, `npm ci --omit=dev` and dist.
 * Install scripts are skipped and the one production dependency that has one (better-sqlite3,
 * checked below) gets the native addon this checkout's own `npm ci` compiled from the same
 * locked version: compiling it again costs most of a minute and proves nothing about our image.
 * dist is what `npm run build` (nest build = tsc with tsconfig.build.json) emits.
 */
async function buildRuntimeFiles(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-runtime-image-'));
  for (let up = dirname(dir); ; up = dirname(up)) {
    if (existsSync(join(up, 'node_modules'))) throw new Error(`${up}/node_modules exists: the runtime files in ${dir} would see packages the image has not`);
    if (up === parsePath(up).root) break;
  }
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await Promise.all([
    run(npm, ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }),
    run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: ROOT }),
  ]);
  const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  mkdirSync(dirname(join(dir, addon)), { recursive: true });
  copyFileSync(join(ROOT, addon), join(dir, addon));
  rmSync(join(dir, 'package-lock.json'));
  return dir;
}

function productionPackagesWithInstallScripts(): string[] {
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript && !entry.dev)
    .map(([path]) => path);
}

interface DevService {
  appDir: string;
  dataDir: string;
  server: Started;
  port: number;
  emulatorPort: number;
}

let devService: DevService | undefined;

/**
 * Starts the dev service's command with its resolved environment in a folder laid out like the
 * dev stage's /app: the image's full node_modules (this checkout's, installed from the same lock)
 * and build configuration, with ./src as the bind mount presents it (a copy, so the test's edit
 * stays in the test). Does not wait for it to answer.
 */
async function launchDevService(): Promise<DevService> {
  const dev = compose.services['mcp-server-dev'] as ComposeService & { command: string[] };
  const appDir = mkdtempSync(join(tmpdir(), 'mcp-dev-app-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-dev-data-'));
  for (const file of ['package.json', 'package-lock.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json']) copyFileSync(join(ROOT, file), join(appDir, file));
  symlinkSync(join(ROOT, 'node_modules'), join(appDir, 'node_modules'), 'dir');
  cpSync(join(ROOT, 'src'), join(appDir, 'src'), { recursive: true });
  const port = await freePort();
  const emulatorPort = await freePort();
  const env = substituteAddresses(environmentOf('mcp-server-dev', userDotenv()), { port, emulatorPort }, dataDir);
  const [command, ...args] = dev.command;
  return { appDir, dataDir, port, emulatorPort, server: start(join(appDir, command), args, appDir, env) };
}

describe('docker compose, as README "Docker" describes it', () => {
  afterAll(async () => {
    if (!devService) return;
    await devService.server.stop();
    for (const dir of [devService.appDir, devService.dataDir]) rmSync(dir, { recursive: true, force: true });
  });

  it("README's docker compose commands name compose files, profiles and services that exist", () => {
    const commands = [...dockerSection.matchAll(/^docker compose .*$/gm)].map((m) => m[0].split(/\s+/));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const words of commands) {
      const file = words.includes('-f') ? words[words.indexOf('-f') + 1] : 'docker-compose.yml';
      expect(existsSync(join(ROOT, file))).toBe(true);
      const services = readComposeFile(join(ROOT, file)).services;
      if (words.includes('--profile')) {
        const profile = words[words.indexOf('--profile') + 1];
        expect(Object.values(services).some((service) => service.profiles?.includes(profile))).toBe(true);
      }
      const last = words.at(-1)!;
      if (!last.startsWith('-') && last !== 'up') expect(Object.keys(services)).toContain(last);
    }
  });

  describe('the image (Dockerfile)', () => {
    it('builds in stages on Node 22 LTS; the runtime stage runs as the non-root node user with a HEALTHCHECK on /health', () => {
      expect(dockerfile.length).toBeGreaterThanOrEqual(3);
      for (const stage of dockerfile) expect(stage.from).toMatch(/^node:22-|^[a-z-]+$/);
      const text = read('Dockerfile');
      const runtimePart = text.slice(text.indexOf('AS runtime'));
      expect(runtimePart).toMatch(/^USER node$/m);
      expect(runtimeStage().healthcheck?.join(' ')).toContain('/health');
    });

    it('puts exactly package.json, the production dependencies and dist in the runtime stage', () => {
      expect(runtimeStage().copies.map((c) => [c.from, c.sources.join(' '), c.destination])).toEqual([
        ['build', '/app/package.json', './package.json'],
        ['build', '/app/node_modules', './node_modules'],
        ['build', '/app/dist', './dist'],
      ]);
      // The build stage's node_modules is `npm ci` pruned to production: the same tree as `npm ci --omit=dev`.
      expect(stageChain(dockerfile, 'build').flatMap((s) => s.runs).join('\n')).toMatch(/npm ci[^\n]*[\s\S]*npm run build && npm prune --omit=dev/);
      // Skipping install scripts when this test rebuilds that tree skips exactly one compile.
      expect(productionPackagesWithInstallScripts()).toEqual(['node_modules/better-sqlite3']);
    });
  });

  describe('the production service (`docker compose up`)', () => {
    it('resolves to production mode although .env, copied from .env.example, says NODE_ENV=development', () => {
      expect(parseEnv(read('.env.example')).NODE_ENV).toBe('development');
      const env = environmentOf('mcp-server', userDotenv());
      expect(env.NODE_ENV).toBe('production');
      expect(env.SERVER_URL).toBe(readmeValues().SERVER_URL);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
    });

    it('publishes port 8000, keeps DATA_DIR in a named volume and its state in the redis service', () => {
      const service = compose.services['mcp-server'];
      const env = environmentOf('mcp-server', userDotenv());
      expect(service.ports).toEqual([`${env.PORT}:${env.PORT}`]);
      expect(service.volumes).toEqual([`mcp-data:${env.DATA_DIR}`]);
      expect(Object.keys(compose.volumes ?? {})).toContain('mcp-data');
      expect(service.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
      expect(compose.services.redis.image).toMatch(/^redis:/);
    });

    it('lets the README-made .env be read by compose and by Node alike (plain KEY=value lines)', () => {
      for (const line of userDotenv().split('\n')) expect(line).toMatch(/^(#.*|[A-Z_][A-Z0-9_]*=[^\s'"#]*|)$/);
    });
  });

  describe('the dev profile', () => {
    const dev = compose.services['mcp-server-dev'];

    it('publishes server and emulator on the same host and container ports, so the URLs they advertise work in the host browser', () => {
      const env = environmentOf('mcp-server-dev', userDotenv());
      expect(dev.ports).toEqual(expect.arrayContaining([`${env.PORT}:${env.PORT}`, `${env.EMULATOR_PORT}:${env.EMULATOR_PORT}`]));
      expect(env.EMULATOR_HOST).toBe('0.0.0.0');
      expect(env.SERVER_URL).toBeUndefined(); // defaults to http://localhost:$PORT, the host-visible origin
    });

    it('mounts ./src over the image sources, keeps node_modules in a container volume and DATA_DIR in a named volume', () => {
      const env = environmentOf('mcp-server-dev', userDotenv());
      expect(dev.volumes).toEqual(expect.arrayContaining(['./src:/app/src:ro', '/app/node_modules', `mcp-dev-data:${env.DATA_DIR}`]));
      expect(Object.keys(compose.volumes ?? {})).toContain('mcp-dev-data');
      expect(dev.build?.target).toBe('dev');
      // The dev stage's /app: dependencies and build configuration from the image, sources from the mount.
      expect(stageChain(dockerfile, 'dev').flatMap((s) => s.copies.flatMap((c) => c.sources))).toEqual([
        'package.json',
        'package-lock.json',
        'nest-cli.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'src',
      ]);
    });
  });

  describe('the scaled example (docker-compose.scaled.yml)', () => {
    const proxy = scaledCompose.services.proxy;

    it('runs two or more replicas of the production service on Redis, trusting one proxy hop, all with the one SERVER_URL', () => {
      const env = scaledEnvironment(userDotenv());
      expect(scaledCompose.services['mcp-server'].deploy?.replicas).toBeGreaterThanOrEqual(2);
      expect(env).toMatchObject({ NODE_ENV: 'production', REDIS_URL: 'redis://redis:6379', TRUST_PROXY: '1', SERVER_URL: readmeValues().SERVER_URL });
      expect(scaledCompose.services['mcp-server'].ports).toBeUndefined();
    });

    it('publishes only nginx, on the port of SERVER_URL, with deploy/nginx/mcp.conf and the certificates of deploy/certs', () => {
      const publicPort = new URL(readmeValues().SERVER_URL).port || '443';
      expect(proxy.image).toMatch(/^nginx:/);
      expect(proxy.ports).toEqual([`${publicPort}:443`]);
      expect(proxy.volumes).toEqual(['./deploy/nginx/mcp.conf:/etc/nginx/conf.d/default.conf:ro', './deploy/certs:/etc/nginx/certs:ro']);
    });

    it('configures nginx for Server-Sent Events: no buffering either way, streams may idle for an hour', () => {
      const config = read('deploy/nginx/mcp.conf');
      for (const directive of ['proxy_buffering off;', 'proxy_request_buffering off;', 'proxy_read_timeout 1h;', 'proxy_http_version 1.1;', 'proxy_set_header Connection "";']) {
        expect(config).toContain(directive);
      }
    });
  });

  const describeRunning = requireOrSkip('Redis', redisAnswersSync(REDIS_URL), 'start redis-server or set REDIS_URL') ? describe : describe.skip;
  const describeWithNginx = requireOrSkip('nginx', NGINX !== undefined, 'install nginx (Debian: apt-get install nginx-light)') ? describe : describe.skip;

  describeRunning('the runtime image files, started with the production service environment', () => {
    let appDir: string;
    const started: Started[] = [];
    const dataDirs: string[] = [];

    async function startRuntime(env: Env): Promise<Started> {
      const proc = start(process.execPath, ['dist/main.js'], appDir, env);
      started.push(proc);
      return proc;
    }

    function dataDir(): string {
      const dir = mkdtempSync(join(tmpdir(), 'mcp-docker-data-'));
      dataDirs.push(dir);
      return dir;
    }

    beforeAll(async () => {
      // The dev service compiles (nest start --watch) meanwhile: the two are independent.
      devService ??= await launchDevService();
      const began = Date.now();
      appDir = await buildRuntimeFiles();
      process.stderr.write(`runtime image files (npm ci --omit=dev + dist) rebuilt in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
    }, 180_000);

    afterAll(async () => {
      await Promise.all(started.map((p) => p.stop()));
      for (const dir of [appDir, ...dataDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('holds no devDependency (pino-pretty, @nestjs/cli, typescript are not there)', () => {
      for (const name of ['pino-pretty', '@nestjs/cli', 'typescript', 'jest']) expect(existsSync(join(appDir, 'node_modules', name))).toBe(false);
      expect(existsSync(join(appDir, 'dist/main.js'))).toBe(true);
    });

    it('starts in production mode: health and readiness answer, the issuer is SERVER_URL, no emulator, JSON log lines, its HEALTHCHECK passes', async () => {
      const port = await freePortPair();
      const values = readmeValues();
      const server = await startRuntime(substituteAddresses(environmentOf('mcp-server', userDotenv(values)), { port }, dataDir()));
      const url = `http://127.0.0.1:${port}`;
      await waitForOk(`${url}/health`, 60_000, server);

      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      const metadata = (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
      expect(metadata.issuer).toBe(values.SERVER_URL);
      // The embedded emulator would listen on PORT + 1 and say so; in production it never starts.
      await expect(fetch(`http://127.0.0.1:${port + 1}/`)).rejects.toThrow();
      expect(server.output()).not.toContain('Entra emulator at');
      const firstLine = server.output().split('\n').find((l) => l.startsWith('{'));
      expect(JSON.parse(firstLine ?? 'null')).toMatchObject({ level: 30 });

      const [command, ...args] = runtimeStage().healthcheck!;
      expect(command).toBe('node');
      const check = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, timeout: 10_000 });
      expect(check.status).toBe(0);
    });

    it('needs no devDependency in development mode either: the same files start with the emulator and JSON logs', async () => {
      const port = await freePortPair();
      const env = { ...environmentOf('mcp-server', read('.env.example')), NODE_ENV: 'development', REDIS_URL: '' };
      const server = await startRuntime({ ...env, PORT: String(port), DATA_DIR: dataDir() });
      await waitForOk(`http://127.0.0.1:${port}/health`, 60_000, server);
      await waitForText(server, 'Entra emulator at', 10_000);
      expect(server.output()).toMatch(/^\{"level":30/m);
    });

    it('stops at start with the documented error when a value is wrong', async () => {
      const documented = readmeBlock('text', 'A missing or malformed value');
      const [, name, wrong] = /^ {2}([A-Z_]+): .*\(got "([^"]*)"\)/m.exec(documented) ?? [];
      expect(name).toBeDefined();
      const env = environmentOf('mcp-server', userDotenv({ ...readmeValues(), [name]: wrong }));
      const server = await startRuntime(substituteAddresses(env, { port: await freePort() }, dataDir()));
      expect(await server.exited).toBe(1);
      expect(server.stderr()).toContain(documented);
    });

    it('names each of the four README values when .env is copied without setting them', async () => {
      const env = environmentOf('mcp-server', read('.env.example'));
      const server = await startRuntime(substituteAddresses(env, { port: await freePort() }, dataDir()));
      expect(await server.exited).toBe(1);
      const named = [...server.stderr().matchAll(/^ {2}([A-Z_]+):/gm)].map((m) => m[1]);
      expect(named.sort()).toEqual(Object.keys(readmeValues()).sort());
    });

    describeWithNginx('the scaled example: two replicas of these files on one Redis, behind nginx with deploy/nginx/mcp.conf', () => {
      let proxyDir: string;
      let publicUrl: string;
      let ca: Buffer;
      const replicas: Started[] = [];
      let proxy: Started;

      beforeAll(async () => {
        // deploy/certs as the README makes it (its openssl command, run as written), in a folder of the test's own.
        proxyDir = mkdtempSync(join(tmpdir(), 'mcp-scaled-'));
        const scaledBlock = readmeBlock('bash', '### Several replicas');
        const openssl = scaledBlock.slice(scaledBlock.indexOf('openssl req')).split('\ndocker compose')[0];
        mkdirSync(join(proxyDir, 'deploy/certs'), { recursive: true });
        await run('bash', ['-c', openssl.replace(/\\\n/g, ' ')], { cwd: proxyDir });
        ca = readFileSync(join(proxyDir, 'deploy/certs/tls.crt'));

        const proxyPort = await freePort();
        publicUrl = `https://localhost:${proxyPort}`;
        const env = scaledEnvironment(userDotenv({ ...readmeValues(), SERVER_URL: publicUrl }));
        const shared = substituteAddresses(env, { port: 0 }, '');
        const replicaPorts = [await freePort(), await freePort()];
        for (const port of replicaPorts) {
          replicas.push(start(process.execPath, ['dist/main.js'], appDir, { ...shared, PORT: String(port), DATA_DIR: dataDir() }));
        }
        await Promise.all(replicaPorts.map((port, i) => waitForOk(`http://127.0.0.1:${port}/health`, 60_000, replicas[i])));

        // The config as compose mounts it; what the container world provides is replaced: docker's DNS answer
        // for mcp-server (one address per replica), port 443, and the certificate folder.
        const config = read('deploy/nginx/mcp.conf')
          .replace(/server mcp-server:8000;/g, replicaPorts.map((port) => `server 127.0.0.1:${port};`).join(' '))
          .replace('listen 443 ssl;', `listen 127.0.0.1:${proxyPort} ssl;`)
          .replace(/\/etc\/nginx\/certs\//g, `${proxyDir}/deploy/certs/`);
        writeFileSync(join(proxyDir, 'mcp.conf'), config);
        const temp = (name: string) => `${name}_temp_path ${join(proxyDir, name)};`;
        writeFileSync(
          join(proxyDir, 'nginx.conf'),
          [
            'daemon off;',
            'worker_processes 1;',
            `pid ${join(proxyDir, 'nginx.pid')};`,
            `error_log ${join(proxyDir, 'error.log')} warn;`,
            'events {}',
            `http { access_log off; ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join(' ')} include ${join(proxyDir, 'mcp.conf')}; }`,
          ].join('\n'),
        );
        proxy = start(NGINX!, ['-p', proxyDir, '-c', join(proxyDir, 'nginx.conf')], proxyDir, {});
        await waitFor(async () => (await viaProxy('GET', '/health')).status === 200, 20_000, () => proxy.output() + readIfExists(join(proxyDir, 'error.log')));
      }, 90_000);

      afterAll(async () => {
        await proxy?.stop();
        await Promise.all(replicas.map((r) => r.stop()));
        if (proxyDir) rmSync(proxyDir, { recursive: true, force: true });
      });

      function viaProxy(method: string, path: string, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
        return new Promise((resolve, reject) => {
          const req = httpsRequest(
            `${publicUrl}${path}`,
            { method, ca, headers: body ? { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } : {} },
            (res) => {
              let text = '';
              res.on('data', (chunk: Buffer) => (text += chunk.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      }

      const requestsLoggedBy = (replica: Started, path: string) => replica.output().split('\n').filter((l) => l.includes(`"path":"${path}"`)).length;

      it('serves one public https origin: metadata name SERVER_URL, and /mcp passes the host check behind the proxy', async () => {
        const prm = JSON.parse((await viaProxy('GET', '/.well-known/oauth-protected-resource')).body) as { resource: string };
        expect(prm.resource).toBe(`${publicUrl}/`);
        const unauthenticated = await viaProxy('POST', '/mcp', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
        expect(unauthenticated.status).toBe(401);
        expect(unauthenticated.headers['www-authenticate']).toContain(`resource_metadata="${publicUrl}/.well-known/oauth-protected-resource"`);
      });

      it('spreads requests over both replicas without stickiness, /mcp included', async () => {
        // Health probes are not logged (they would drown the log): count a metadata request instead.
        const METADATA = '/.well-known/oauth-authorization-server';
        const metadataBefore = replicas.map((r) => requestsLoggedBy(r, METADATA));
        for (let i = 0; i < 6; i += 1) expect((await viaProxy('GET', METADATA)).status).toBe(200);
        const before = replicas.map((r) => requestsLoggedBy(r, '/mcp'));
        for (let i = 0; i < 4; i += 1) expect((await viaProxy('POST', '/mcp', '{}')).status).toBe(401);
        await new Promise((r) => setTimeout(r, 300));
        expect(replicas.map((r, i) => requestsLoggedBy(r, METADATA) - metadataBefore[i])).toEqual([3, 3]);
        expect(replicas.map((r, i) => requestsLoggedBy(r, '/mcp') - before[i])).toEqual([2, 2]);
      });
    });
  });

  describeRunning('the dev service, started with its command and environment on a copy of the sources', () => {
    let appDir: string;
    let server: Started;
    let port: number;
    let emulatorPort: number;
    let signedIn: ObtainedTokens;
    const url = () => `http://localhost:${port}`;

    beforeAll(async () => {
      // Usually launched already, to compile while the runtime files are being made.
      devService ??= await launchDevService();
      ({ appDir, server, port, emulatorPort } = devService);
      await waitForOk(`${url()}/health`, 240_000, server);
    }, 270_000);

    it('runs in development mode with its emulator, whose issuer and sign-in page are on the published emulator port', async () => {
      await waitForText(server, 'Entra emulator at', 10_000);
      const tenant = /tenant ([0-9a-f-]{36})/.exec(server.output())![1];
      const discovery = (await (await fetch(`http://localhost:${emulatorPort}/${tenant}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
      expect(discovery.issuer).toBe(`http://localhost:${emulatorPort}/${tenant}/v2.0`);
      expect(new URL(discovery.authorization_endpoint).origin).toBe(`http://localhost:${emulatorPort}`);
    });

    it('binds the emulator on every interface, so a published port reaches it', async () => {
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal);
      if (!external) {
        process.stderr.write('\n⚠️  No non-loopback IPv4 address here: the all-interfaces check of the emulator was skipped.\n\n');
        return;
      }
      expect((await fetch(`http://${external.address}:${emulatorPort}/`)).status).toBeLessThan(500);
    });

    it('signs a user in through the emulator (the host browser flow)', async () => {
      signedIn = await obtainTokens({ url: url() });
      expect(await initializeStatus(signedIn.accessToken)).toBe(200);
    });

    it('reloads on an edit of a host source file, and the sign-in survives the reload', async () => {
      const file = join(appDir, 'src/health/health.controller.ts');
      const source = readFileSync(file, 'utf8');
      expect(source).toContain("return { status: 'ok' };");
      const mark = server.output().length;
      writeFileSync(file, source.replace("return { status: 'ok' };", "return { status: 'ok', edited: true } as { status: 'ok' };"));
      await waitForText(server, 'File change detected', 60_000, mark);
      await waitForText(server, 'Nest application successfully started', 120_000, mark);
      await waitForOk(`${url()}/health`, 30_000, server);
      expect(await (await fetch(`${url()}/health`)).json()).toEqual({ status: 'ok', edited: true });
      expect(await initializeStatus(signedIn.accessToken)).toBe(200);
      // The browser too: its consent cookie still verifies and the emulator still knows its session.
      const site = { url: url() };
      const again = await authorizeWithBrowser(site, authorizeUrl(site, { client: signedIn.client, pkce: newPkce() }), { jar: signedIn.jar });
      expect(again).toMatchObject({ reachedClient: true, consentShown: false, signInShown: false });
    }, 200_000);

    async function initializeStatus(token: string): Promise<number> {
      const response = await fetch(`${url()}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'docker-e2e', version: '1' } } }),
      });
      await response.body?.cancel();
      return response.status;
    }
  });

  const dockerAnswers = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
  if (!dockerAnswers) {
    process.stderr.write(
      '\n⚠️  SKIPPING the real `docker compose up` part: `docker info` fails (no Docker daemon here). ' +
        'The reproduction above (compose environment, runtime image files, dev command) still ran.\n\n',
    );
  }
  (dockerAnswers ? describe : describe.skip)('with a Docker daemon: the real image and `docker compose up`', () => {
    const project = `mcp-docker-e2e-${randomBytes(3).toString('hex')}`;
    let dir: string;
    const dockerCompose = (...args: string[]) => run('docker', ['compose', '-p', project, ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });

    beforeAll(() => {
      // A copy of the build context and compose file, with the README's .env, and the published port on a free one.
      dir = mkdtempSync(join(tmpdir(), 'mcp-compose-'));
      for (const path of ['Dockerfile', '.dockerignore', 'docker-compose.yml', 'package.json', 'package-lock.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
        cpSync(join(ROOT, path), join(dir, path), { recursive: true });
      }
      writeFileSync(join(dir, '.env'), userDotenv());
    });

    afterAll(async () => {
      await dockerCompose('down', '-v', '--remove-orphans').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('builds the image and brings the production service up healthy (its HEALTHCHECK), in production mode', async () => {
      const port = await freePort();
      writeFileSync(join(dir, 'docker-compose.ports.yml'), `services:\n  mcp-server:\n    ports: !override\n      - "127.0.0.1:${port}:8000"\n`);
      await dockerCompose('-f', 'docker-compose.yml', '-f', 'docker-compose.ports.yml', 'up', '--build', '--detach', '--wait', '--wait-timeout', '180', 'mcp-server');
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
      const { stdout } = await dockerCompose('exec', '-T', 'mcp-server', 'node', '-p', 'process.env.NODE_ENV');
      expect(stdout.trim()).toBe('production');
      const { stdout: user } = await dockerCompose('exec', '-T', 'mcp-server', 'id', '-un');
      expect(user.trim()).toBe('node');
    }, 900_000);
  });
});
