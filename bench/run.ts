/**
 * `npm run bench [-- --quick]`: this server side by side with the MCP SDK reference shapes, in
 * one invocation. It builds this server (production build), starts it on SQLite with the
 * embedded Entra emulator, obtains a real access token through the real OAuth flow (the
 * emulator is not touched again while measuring), starts the reference servers of bench/,
 * and runs the scenarios with the targets interleaved (A B A B …): every server pinned with
 * `taskset` to core 0, the load generator (autocannon, in its own process) to core 1.
 *
 * Writes bench/results/latest.{md,json} (quick runs: quick.{md,json}) and exits non-zero when
 * any request failed (error, timeout or non-2xx) or any answer was not the expected tool result.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { GENEROUS_RATE_LIMITS, obtainTokens, refreshTokens, type RegisteredTestClient, type TokenSet } from '../test/support/oauth-flow';

const ROOT = join(__dirname, '..');
const BENCH = __dirname;
const quick = process.argv.includes('--quick');

const settings = quick
  ? { rounds: 1, connections: 32, duration: 1, warmup: 1, idleStreams: 100, leakFirst: 1_000, leakTotal: 5_000, refreshChains: 4 }
  : { rounds: 2, connections: 32, duration: 10, warmup: 3, idleStreams: 1_000, leakFirst: 10_000, leakTotal: 100_000, refreshChains: 32 };

const pinning = canPin();

interface Target {
  name: string;
  kind: 'ours' | 'reference';
  url: string;
  pid: number;
}

interface Scenario {
  name: string;
  /** Which targets run it (ours first). */
  targets: Target[];
  tool: string;
  era: '2026-07-28' | '2025-11-25';
}

interface Measurement {
  scenario: string;
  round: number;
  target: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** The server process's CPU time (user + system, all threads) per answered request, in µs. */
  cpuMicrosPerRequest: number;
}

const children: ChildProcess[] = [];
/** Children stopped on purpose before the end. */
const stopped = new WeakSet<ChildProcess>();
const failures: string[] = [];

/** A free TCP port on loopback, chosen by the OS. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function canPin(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `taskset -c <core> <command…>` when pinning is possible (taskset execs: the pid stays the program's). */
function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return pinning ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function ensureBenchDependencies(): void {
  if (existsSync(join(BENCH, 'node_modules', 'autocannon', 'package.json'))) return;
  log('Installing bench/ dependencies (npm ci --prefix bench)');
  execFileSync('npm', ['ci', '--prefix', BENCH, '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

function start(name: string, entry: string, env: Record<string, string>, logFile: string): ChildProcess {
  const out = openSync(logFile, 'w');
  const [command, args] = pinned(0, process.execPath, [entry]);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.on('exit', (code, signal) => {
    if (!stopping && !stopped.has(child)) failures.push(`${name} exited unexpectedly (code ${code}, signal ${signal}); see ${logFile}`);
  });
  children.push(child);
  return child;
}

async function waitForPort(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { method: 'GET' });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** CPU time (user + system, every thread) the process has used, in µs (`/proc/<pid>/stat`, clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const perRequest = (cpuBefore: number, pid: number, answered: number) => Math.round((cpuMicros(pid) - cpuBefore) / Math.max(1, answered));

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

function toolCallRequest(scenario: Scenario, token: string): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
    'mcp-protocol-version': scenario.era,
  };
  const params: Record<string, unknown> = { name: scenario.tool, arguments: {} };
  if (scenario.era === '2026-07-28') {
    headers['mcp-method'] = 'tools/call';
    headers['mcp-name'] = scenario.tool;
    params._meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
  }
  return { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }) };
}

/** One request by hand first: the load must measure successful tool calls, not fast refusals. */
async function checkAnswer(scenario: Scenario, target: Target, token: string): Promise<void> {
  const { headers, body } = toolCallRequest(scenario, token);
  const response = await fetch(`${target.url}/mcp`, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"result"') || text.includes('"isError":true')) {
    failures.push(`${scenario.name} on ${target.name}: expected a tool result, got ${response.status} ${text.slice(0, 300)}`);
  }
}

interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** autocannon in its own process on core 1, so it never competes with the server under test. */
function load(options: Record<string, unknown>): Promise<LoadResult> {
  const [command, args] = pinned(1, process.execPath, [join(BENCH, 'load.js'), JSON.stringify(options)]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: BENCH, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`autocannon exited with ${code}`))));
  });
}

function loadOptions(scenario: Scenario, target: Target, token: string, extra: Record<string, unknown>): Record<string, unknown> {
  const { headers, body } = toolCallRequest(scenario, token);
  return { url: `${target.url}/mcp`, method: 'POST', headers, body, connections: settings.connections, ...extra };
}

async function measure(scenario: Scenario, target: Target, token: string, round: number): Promise<Measurement> {
  await checkAnswer(scenario, target, token);
  await load(loadOptions(scenario, target, token, { duration: settings.warmup }));
  const rssBeforeMb = rssMb(target.pid);
  const cpuBefore = cpuMicros(target.pid);
  const result = await load(loadOptions(scenario, target, token, { duration: settings.duration }));
  const cpuMicrosPerRequest = perRequest(cpuBefore, target.pid, result.requests.total - result.non2xx - result.errors);
  const m: Measurement = {
    scenario: scenario.name,
    round,
    target: target.name,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    rssBeforeMb,
    rssAfterMb: rssMb(target.pid),
    cpuMicrosPerRequest,
  };
  if (m.errors || m.timeouts || m.non2xx) failures.push(`${scenario.name} on ${target.name}, round ${round}: ${m.errors} errors, ${m.timeouts} timeouts, ${m.non2xx} non-2xx`);
  log(`  ${scenario.name} · round ${round} · ${target.name}: ${m.requestsPerSecond} req/s, p50 ${m.latencyP50Ms} ms, p99 ${m.latencyP99Ms} ms`);
  return m;
}

/** An open HTTP+SSE session (protocol 2024-11-05): its message endpoint and the answers counted on its stream. */
interface SseSession {
  endpoint: string;
  /** JSON-RPC results received so far, and how many of them were tool errors. */
  answers(): { results: number; errors: number };
  close(): void;
}

/** `GET /sse`, the endpoint event, then initialize + initialized over `POST /messages`. */
async function openSseSession(url: string, token: string): Promise<SseSession> {
  let endpoint: ((path: string) => void) | undefined;
  const endpointKnown = new Promise<string>((resolve) => (endpoint = resolve));
  let results = 0;
  let errors = 0;
  let pending = '';
  const req = httpRequest(`${url}/sse`, { agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) failures.push(`GET /sse answered ${res.statusCode}`);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      pending += chunk;
      const events = pending.split('\n\n');
      pending = events.pop() ?? '';
      for (const event of events) {
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (event.startsWith('event: endpoint')) endpoint?.(data);
        else if (data.includes('"result"')) {
          results++;
          if (data.includes('"isError":true')) errors++;
        } else if (data.includes('"error"')) errors++;
      }
    });
  });
  req.on('error', (error) => failures.push(`GET /sse failed: ${error.message}`));
  req.end();
  const path = await endpointKnown;
  const post = (message: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(message) });
  await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { endpoint: path, answers: () => ({ results, errors }), close: () => req.destroy() };
}

/**
 * `tools/list` or `tools/call whoami` over one HTTP+SSE session: `POST /messages` is answered 202
 * and the result goes out on the stream, so req/s here counts the results that arrived on the
 * stream while the load ran (latencies are autocannon's, up to the 202). Every accepted message
 * must be answered.
 */
async function measureSse(scenario: string, method: 'tools/list' | 'tools/call', target: Target, token: string, round: number): Promise<Measurement> {
  const session = await openSseSession(target.url, token);
  const params = method === 'tools/call' ? { name: 'whoami', arguments: {} } : {};
  const options = (duration: number) => ({
    url: `${target.url}${session.endpoint}`,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    connections: settings.connections,
    duration,
  });
  const settle = async (expected: number) => {
    for (let waited = 0; session.answers().results + session.answers().errors < expected && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  };
  try {
    const warm = await load(options(settings.warmup));
    await settle(warm.requests.total - warm.non2xx - warm.errors);
    const rssBeforeMb = rssMb(target.pid);
    const cpuBefore = cpuMicros(target.pid);
    const before = session.answers();
    const started = performance.now();
    const result = await load(options(settings.duration));
    const accepted = result.requests.total - result.non2xx - result.errors;
    const answeredDuringLoad = session.answers().results - before.results;
    const elapsedS = (performance.now() - started) / 1000;
    await settle(before.results + before.errors + accepted);
    const after = session.answers();
    const cpuMicrosPerRequest = perRequest(cpuBefore, target.pid, after.results - before.results);
    const m: Measurement = {
      scenario,
      round,
      target: target.name,
      requestsPerSecond: Math.round(answeredDuringLoad / elapsedS),
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      requests: after.results - before.results,
      errors: result.errors + (after.errors - before.errors),
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      rssBeforeMb,
      rssAfterMb: rssMb(target.pid),
      cpuMicrosPerRequest,
    };
    const unanswered = accepted - (after.results - before.results) - (after.errors - before.errors);
    if (m.errors || m.timeouts || m.non2xx || unanswered > 0) {
      failures.push(`${scenario}, round ${round}: ${m.errors} errors, ${m.timeouts} timeouts, ${m.non2xx} non-2xx, ${Math.max(0, unanswered)} accepted but never answered`);
    }
    log(`  ${scenario} · round ${round} · ${target.name}: ${m.requestsPerSecond} answers/s, 202 p50 ${m.latencyP50Ms} ms, p99 ${m.latencyP99Ms} ms`);
    return m;
  } finally {
    session.close();
  }
}

/** Opens `count` idle HTTP+SSE streams with one token and reports the server's RSS growth per stream. */
async function idleStreams(target: Target, token: string, count: number): Promise<{ streams: number; rssBeforeMb: number; rssAfterMb: number; kbPerStream: number }> {
  const requests: ClientRequest[] = [];
  await new Promise((r) => setTimeout(r, 2_000)); // let start-up garbage settle before the baseline
  const rssBeforeMb = rssMb(target.pid);
  const url = new URL(`${target.url}/sse`);
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () => {
        return new Promise<void>((resolve, reject) => {
          const req = httpRequest(url, { agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
            if (res.statusCode !== 200) reject(new Error(`GET /sse answered ${res.statusCode}`));
            res.once('data', () => resolve());
          });
          req.on('error', reject);
          req.end();
          requests.push(req);
        });
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 1_000));
  const rssAfterMb = rssMb(target.pid);
  for (const req of requests) req.destroy();
  return { streams: count, rssBeforeMb, rssAfterMb, kbPerStream: Math.round(((rssAfterMb - rssBeforeMb) * 1024) / count * 10) / 10 };
}

interface RefreshResult {
  store: string;
  chains: number;
  grantsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  grants: number;
  failed: number;
  /** The server process's CPU time per grant, in µs: the figure that holds on a shared machine. */
  cpuMicrosPerGrant: number;
}

/**
 * `POST /token` refresh grants (rotation + a new access token), `chains` concurrent clients each
 * rotating its own refresh token in a loop for `seconds`. The runner itself sits on core 1.
 * Each client waits for its answer before the next grant, so few clients leave the server idle
 * while answers travel and the store's log sync runs: 32 keep its core busy, as many clients do.
 */
async function refreshLoad(store: string, target: { url: string; pid: number }, seconds: number): Promise<RefreshResult> {
  const { url } = target;
  const chains: { client: RegisteredTestClient; refreshToken: string }[] = [];
  // Sign-ins eight at a time: the emulator's pages are not what is measured.
  while (chains.length < settings.refreshChains) {
    const batch = Math.min(8, settings.refreshChains - chains.length);
    chains.push(
      ...(await Promise.all(
        Array.from({ length: batch }, async () => {
          const tokens = await obtainTokens({ url });
          return { client: tokens.client as RegisteredTestClient, refreshToken: tokens.refreshToken! };
        }),
      )),
    );
  }
  const latencies: number[] = [];
  let failed = 0;
  const run = async (chain: { client: RegisteredTestClient; refreshToken: string }, until: number, record: boolean): Promise<void> => {
    while (Date.now() < until) {
      const started = performance.now();
      const response = await refreshTokens({ url }, chain.client, chain.refreshToken);
      const body = (await response.json()) as Partial<TokenSet>;
      if (response.status !== 200 || !body.refresh_token || !body.access_token) {
        failed++;
        if (record) failures.push(`refresh grant on ${store}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
        return;
      }
      chain.refreshToken = body.refresh_token;
      if (record) latencies.push(performance.now() - started);
    }
  };
  await Promise.all(chains.map((c) => run(c, Date.now() + settings.warmup * 1000, false)));
  const cpuBefore = cpuMicros(target.pid);
  const started = Date.now();
  await Promise.all(chains.map((c) => run(c, started + seconds * 1000, true)));
  const elapsed = (Date.now() - started) / 1000;
  const cpuMicrosPerGrant = perRequest(cpuBefore, target.pid, latencies.length);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 10) / 10;
  const result = { store, chains: chains.length, grantsPerSecond: Math.round(latencies.length / elapsed), latencyP50Ms: at(0.5), latencyP99Ms: at(0.99), grants: latencies.length, failed, cpuMicrosPerGrant };
  log(`  refresh grants on ${store}: ${result.grantsPerSecond}/s, ${cpuMicrosPerGrant} µs server CPU per grant, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms`);
  return result;
}

function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(6379, '127.0.0.1');
    socket.setTimeout(1_000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => (socket.destroy(), resolve(data.toString().startsWith('+PONG'))));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

let stopping = false;
function stopAll(): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

async function main(): Promise<void> {
  ensureBenchDependencies();
  log('Building this server (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });

  // The runner (token flows, refresh load) stays off the servers' core.
  if (pinning) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'mcp-bench-'));
  const startOurs = async (name: string, extra: Record<string, string>): Promise<{ child: ChildProcess; url: string }> => {
    const ourPort = await freePort();
    const child = start(
      name,
      'dist/main.js',
      {
        NODE_ENV: 'test',
        PORT: String(ourPort),
        EMULATOR_PORT: String(await freePort()),
        DATA_DIR: join(work, `data-${ourPort}`),
        LOG_LEVEL: 'info',
        // Bench-only: room for the idle-stream scenario and for the refresh load from one address.
        MCP_MAX_SESSIONS_PER_GRANT: String(settings.idleStreams + 10),
        ...GENEROUS_RATE_LIMITS,
        RATE_LIMIT_TOKEN_PER_MINUTE: '100000000',
        ...extra,
      },
      join(work, `server-${ourPort}.log`),
    );
    const url = `http://localhost:${ourPort}`;
    await waitForPort(`${url}/health`);
    return { child, url };
  };
  const { child: ours, url: oursUrl } = await startOurs('this server', {});
  log('Obtaining an access token through the OAuth flow (embedded Entra emulator)');
  const { accessToken } = await obtainTokens({ url: oursUrl });

  const referenceToken = `bench-${Math.random().toString(36).slice(2)}`;
  const startReference = async (name: string, file: string): Promise<Target> => {
    const refPort = await freePort();
    const child = start(name, join(BENCH, file), { PORT: String(refPort), BENCH_TOKEN: referenceToken, NODE_ENV: 'production' }, join(work, `${file}.log`));
    const url = `http://127.0.0.1:${refPort}`;
    await waitForPort(url);
    return { name, kind: 'reference', url, pid: child.pid! };
  };
  const us: Target = { name: 'this server', kind: 'ours', url: oursUrl, pid: ours.pid! };
  const v2 = await startReference('SDK v2 reference (createMcpHandler)', 'reference-v2.js');
  const v1 = await startReference('SDK v1 reference (stateless Express)', 'reference-v1.js');
  const tokenOf = (t: Target) => (t.kind === 'ours' ? accessToken : referenceToken);

  const scenarios: Scenario[] = [
    { name: 'tools/call whoami, 2026-07-28', tool: 'whoami', era: '2026-07-28', targets: [us, v2] },
    { name: 'tools/call whoami, 2025-11-25', tool: 'whoami', era: '2025-11-25', targets: [us, v2, v1] },
    { name: 'tools/call get_user_name (warm Graph cache), 2026-07-28', tool: 'get_user_name', era: '2026-07-28', targets: [us] },
  ];

  const measurements: Measurement[] = [];
  for (const scenario of scenarios) {
    log(`Scenario: ${scenario.name}`);
    for (let round = 1; round <= settings.rounds; round++) {
      for (const target of scenario.targets) measurements.push(await measure(scenario, target, tokenOf(target), round));
    }
  }

  for (const method of ['tools/list', 'tools/call'] as const) {
    const name = `${method === 'tools/call' ? 'tools/call whoami' : 'tools/list'} over an HTTP+SSE session (POST /messages)`;
    log(`Scenario: ${name}`);
    for (let round = 1; round <= settings.rounds; round++) measurements.push(await measureSse(name, method, us, accessToken, round));
  }

  log(`Leak check: ${settings.leakTotal} tools/call on this server`);
  const leakScenario = scenarios[0]!;
  const first = await load(loadOptions(leakScenario, us, accessToken, { amount: settings.leakFirst }));
  const rssAfterFirstMb = rssMb(us.pid);
  const rest = await load(loadOptions(leakScenario, us, accessToken, { amount: settings.leakTotal - settings.leakFirst }));
  const rssAfterAllMb = rssMb(us.pid);
  for (const r of [first, rest]) if (r.errors || r.timeouts || r.non2xx) failures.push(`leak check: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  const leak = { firstCalls: settings.leakFirst, totalCalls: settings.leakTotal, rssAfterFirstMb, rssAfterAllMb, growthMb: Math.round((rssAfterAllMb - rssAfterFirstMb) * 10) / 10 };

  // On a fresh instance of its own: no heap slack from load runs, and the streams never weigh on the measured path.
  log(`Idle SSE streams: ${settings.idleStreams}`);
  const forStreams = await startOurs('this server (idle streams)', {});
  const streams = await idleStreams(
    { name: 'this server (idle streams)', kind: 'ours', url: forStreams.url, pid: forStreams.child.pid! },
    (await obtainTokens({ url: forStreams.url })).accessToken,
    settings.idleStreams,
  );
  stopped.add(forStreams.child);
  forStreams.child.kill('SIGTERM');

  log('Scenario: POST /token refresh grant');
  const refresh: RefreshResult[] = [await refreshLoad('SQLite', us, settings.duration)];
  if (await redisAnswers()) {
    const onRedis = await startOurs('this server on Redis', { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `bench:${process.pid}:${Date.now()}:` });
    refresh.push(await refreshLoad('Redis', { url: onRedis.url, pid: onRedis.child.pid! }, settings.duration));
  } else {
    log('  Redis does not answer on 127.0.0.1:6379: the refresh scenario on Redis is left out');
  }

  stopAll();
  const report = buildReport(measurements, leak, streams, refresh);
  mkdirSync(join(BENCH, 'results'), { recursive: true });
  const base = join(BENCH, 'results', quick ? 'quick' : 'latest');
  writeFileSync(`${base}.json`, `${JSON.stringify(report.json, null, 2)}\n`);
  writeFileSync(`${base}.md`, report.markdown);
  process.stdout.write(report.markdown);
  if (failures.length) {
    for (const f of failures) log(`FAILED: ${f}`);
    process.exitCode = 1;
  } else {
    rmSync(work, { recursive: true, force: true });
  }
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${pinning ? 'servers on core 0, autocannon on core 1' : 'no CPU pinning (taskset or a second core missing)'}`;
}

function buildReport(
  measurements: Measurement[],
  leak: { firstCalls: number; totalCalls: number; rssAfterFirstMb: number; rssAfterAllMb: number; growthMb: number },
  streams: { streams: number; rssBeforeMb: number; rssAfterMb: number; kbPerStream: number },
  refresh: RefreshResult[],
): { json: unknown; markdown: string } {
  const ratios: { scenario: string; round: number; reference: string; ratio: number; cpuRatio: number }[] = [];
  for (const m of measurements) {
    if (m.target === 'this server') continue;
    const ours = measurements.find((o) => o.scenario === m.scenario && o.round === m.round && o.target === 'this server');
    if (ours) {
      ratios.push({
        scenario: m.scenario,
        round: m.round,
        reference: m.target,
        ratio: Math.round((ours.requestsPerSecond / m.requestsPerSecond) * 100) / 100,
        cpuRatio: Math.round((m.cpuMicrosPerRequest / Math.max(1, ours.cpuMicrosPerRequest)) * 100) / 100,
      });
    }
  }
  const command = `npm run bench${quick ? ' -- --quick' : ''}`;
  const lines = [
    `# Benchmark${quick ? ' (quick: smoke run, numbers not meaningful)' : ''}`,
    '',
    `\`${command}\` on ${new Date().toISOString()}; ${machine()}.`,
    `autocannon -c ${settings.connections}, ${settings.duration} s per measurement after ${settings.warmup} s warm-up, ${settings.rounds} interleaved round(s).`,
    'This server: production build, SQLite store, LOG_LEVEL=info (JSON lines to a file), a real token from the OAuth flow.',
    '',
    '| scenario | round | server | req/s | server CPU µs/request | p50 ms | p99 ms | errors | RSS before → after MB |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...measurements.map(
      (m) =>
        `| ${m.scenario} | ${m.round} | ${m.target} | ${m.requestsPerSecond.toLocaleString('en')} | ${m.cpuMicrosPerRequest.toLocaleString('en')} | ${m.latencyP50Ms} | ${m.latencyP99Ms} | ${m.errors + m.timeouts + m.non2xx} | ${m.rssBeforeMb} → ${m.rssAfterMb} |`,
    ),
    '',
    'HTTP+SSE rows: req/s counts the results that arrived on the session\'s stream while the load ran; p50/p99 are up to the `202 Accepted` of `POST /messages`.',
    '',
    'Ratios above 1 favour this server: req/s ours ÷ reference, and CPU per request reference ÷ ours (the second holds when other work shares the machine).',
    '',
    '| scenario | round | ours / reference | req/s ratio | CPU per request ratio |',
    '|---|---:|---|---:|---:|',
    ...ratios.map((r) => `| ${r.scenario} | ${r.round} | ${r.reference} | ${r.ratio.toFixed(2)}× | ${r.cpuRatio.toFixed(2)}× |`),
    '',
    `Leak check (this server, 2026-07-28 whoami): RSS ${leak.rssAfterFirstMb} MB after ${leak.firstCalls.toLocaleString('en')} calls, ${leak.rssAfterAllMb} MB after ${leak.totalCalls.toLocaleString('en')} (growth ${leak.growthMb} MB).`,
    '',
    `Idle HTTP+SSE streams (this server): ${streams.streams} streams, RSS ${streams.rssBeforeMb} → ${streams.rssAfterMb} MB, ${streams.kbPerStream} KB per stream.`,
    '',
    `Refresh grants (\`POST /token\`, rotation + new access token), each of the concurrent clients rotating its own refresh token, ${settings.duration} s:`,
    '',
    '| store | clients | grants/s | server CPU µs/grant | p50 ms | p99 ms | failed |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...refresh.map((r) => `| ${r.store} | ${r.chains} | ${r.grantsPerSecond.toLocaleString('en')} | ${r.cpuMicrosPerGrant.toLocaleString('en')} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.failed} |`),
    '',
  ];
  return {
    json: { command, date: new Date().toISOString(), machine: machine(), settings, measurements, ratios, leak, idleSseStreams: streams, refreshGrants: refresh, failures },
    markdown: lines.join('\n'),
  };
}

process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});
main()
  .catch((error: unknown) => {
    log(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  })
  .finally(stopAll);
