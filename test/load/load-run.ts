/**
 * The load run behind `npm run test:load`: the server in its own process (with the embedded
 * Entra emulator), N concurrent clients each doing the complete OAuth flow (register, consent,
 * emulator sign-in, callback, code redeemed with PKCE), then M tool calls over each MCP
 * transport spread over those clients. Loopback only. The server's memory is compared, after a
 * full GC, with a baseline taken after a warm-up (MEMORY_CRITERION).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, ConnectedClient, firstText, McpTransportName } from '../../src/mcp/testing/mcp-test-clients';
import { GENEROUS_RATE_LIMITS, obtainTokens } from '../support/oauth-flow';
import { spawnServer } from '../support/spawn-server';

export interface LoadOptions {
  flows: number;
  /** Tool calls per transport. */
  calls: number;
  transports?: McpTransportName[];
}

export interface PhaseResult {
  name: string;
  count: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadReport {
  flows: PhaseResult;
  calls: PhaseResult[];
  errors: number;
  firstErrors: string[];
  memory: MemoryCheck;
}

/** The server's memory after a full garbage collection (test/load/memory-probe.js), in MB. */
export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

/**
 * "Back near baseline": the baseline is taken after a warm-up (a few flows and calls on every
 * transport, so code loaded and compiled once is in it) and a full GC; after the load the
 * server gets up to SETTLE_LIMIT_SECONDS, sampled after a full GC every SETTLE_POLL_MS.
 * - JS heap (heapUsed) at most HEAP_GROWTH_ALLOWED_MB above baseline: retained objects do not grow with load;
 * - RSS at most the larger of RSS_GROWTH_ALLOWED_MB or RSS_GROWTH_ALLOWED_RATIO above baseline:
 *   freed heap and allocator arenas were handed back to the system.
 */
export const MEMORY_CRITERION = {
  heapGrowthAllowedMb: 16,
  rssGrowthAllowedMb: 48,
  rssGrowthAllowedRatio: 0.25,
  settleLimitSeconds: 60,
  settlePollMs: 2000,
};

export interface MemoryCheck {
  baseline: MemorySample;
  /** Right after the last client closed, before any GC (what RSS shows under load). */
  peakRssMb: number;
  after: MemorySample;
  /** Seconds from the last client closing to `after`. */
  settledSeconds: number;
  heapLimitMb: number;
  rssLimitMb: number;
  nearBaseline: boolean;
}

const ALL_TRANSPORTS: McpTransportName[] = ['streamable-http-2026', 'streamable-http', 'sse'];

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks the server's memory probe for a sample (it runs a full GC first). */
async function sampleMemory(pid: number, file: string): Promise<MemorySample> {
  const lines = (): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  const seen = lines().length;
  process.kill(pid, 'SIGWINCH');
  const deadline = Date.now() + 120_000;
  while (lines().length <= seen) {
    if (Date.now() > deadline) throw new Error('the server did not answer the memory probe within 120 s');
    await sleep(50);
  }
  const usage = JSON.parse(lines()[seen]!) as NodeJS.MemoryUsage;
  return { rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed), externalMb: mb(usage.external), arrayBuffersMb: mb(usage.arrayBuffers) };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return line ? Math.round(Number(line.replace(/\D+/g, '')) / 1024) : 0;
}

function phase(name: string, count: number, errors: number, latencies: number[], seconds: number): PhaseResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { name, count, errors, seconds, perSecond: round(sorted.length / seconds), p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)) };
}

/** Runs all tasks at once, timing each. */
async function concurrently<T>(name: string, tasks: (() => Promise<T>)[], errors: string[]): Promise<{ phase: PhaseResult; results: (T | undefined)[] }> {
  const latencies: number[] = [];
  let failed = 0;
  const started = Date.now();
  const results = await Promise.all(
    tasks.map(async (task) => {
      const t0 = performance.now();
      try {
        const result = await task();
        latencies.push(performance.now() - t0);
        return result;
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push(`${name}: ${(error as Error).message}`);
        return undefined;
      }
    }),
  );
  return { results, phase: phase(name, tasks.length, failed, latencies, (Date.now() - started) / 1000) };
}

/** Each client makes its share of `calls` tool calls one after the other; the clients run concurrently. Closes them. */
async function callsOver(url: string, transport: McpTransportName, tokens: string[], calls: number, errors: string[]): Promise<PhaseResult> {
  const attempts = await Promise.all(tokens.map((token) => connectClient(url, transport, token).catch((error: Error) => error)));
  const connected: ConnectedClient[] = [];
  for (const attempt of attempts) {
    if (!(attempt instanceof Error)) connected.push(attempt);
    else if (errors.length < 5) errors.push(`connect over ${transport}: ${attempt.message}`);
  }
  const latencies: number[] = [];
  let failed = tokens.length - connected.length;
  const started = Date.now();
  await Promise.all(
    connected.map(async (client, index) => {
      const share = Math.floor(calls / connected.length) + (index < calls % connected.length ? 1 : 0);
      for (let i = 0; i < share; i++) {
        const t0 = performance.now();
        try {
          const result = await client.client.callTool({ name: 'whoami', arguments: {} });
          if (result.isError || !firstText(result)) throw new Error('whoami returned no result');
          latencies.push(performance.now() - t0);
        } catch (error) {
          failed++;
          if (errors.length < 5) errors.push(`tools/call over ${transport}: ${(error as Error).message}`);
        }
      }
    }),
  );
  const result = phase(`tools/call over ${transport}`, calls, failed, latencies, (Date.now() - started) / 1000);
  await Promise.all(connected.map((c) => c.close().catch(() => undefined)));
  return result;
}

async function signIn(url: string, count: number, errors: string[]): Promise<{ phase: PhaseResult; tokens: string[] }> {
  const flows = await concurrently('OAuth flows', Array.from({ length: count }, () => () => obtainTokens({ url })), errors);
  return { phase: flows.phase, tokens: flows.results.filter((t) => t !== undefined).map((t) => t.accessToken) };
}

const WARM_UP = { flows: 3, calls: 30 };

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const transports = options.transports ?? ALL_TRANSPORTS;
  const probeDir = mkdtempSync(join(tmpdir(), 'load-memory-'));
  const probeFile = join(probeDir, 'samples.jsonl');
  const { server, url } = await spawnServer({
    ...GENEROUS_RATE_LIMITS,
    LOG_LEVEL: 'warn',
    MCP_MAX_SESSIONS_PER_GRANT: '1000',
    NODE_OPTIONS: `--require ${join(__dirname, 'memory-probe.js')}`,
    MEMORY_PROBE_FILE: probeFile,
    // An investigation aid: heap snapshots at every sample, into this directory (slow: seconds each).
    ...(process.env.MEMORY_PROBE_SNAPSHOTS ? { MEMORY_PROBE_SNAPSHOTS: process.env.MEMORY_PROBE_SNAPSHOTS } : {}),
  });
  const pid = server.child.pid!;
  const errors: string[] = [];
  try {
    // Warm-up: what is loaded, compiled and cached once belongs in the baseline, not in "growth".
    const warmUp = await signIn(url, WARM_UP.flows, errors);
    for (const transport of transports) await callsOver(url, transport, warmUp.tokens, WARM_UP.calls, errors);
    if (errors.length > 0) throw new Error(`the warm-up failed: ${errors.join('; ')}`);
    await sleep(1000);
    const baseline = await sampleMemory(pid, probeFile);

    const flows = await signIn(url, options.flows, errors);
    const calls: PhaseResult[] = [];
    for (const transport of transports) calls.push(await callsOver(url, transport, flows.tokens, options.calls, errors));
    const closedAt = Date.now();
    const peakRssMb = rssMb(pid);

    const heapLimitMb = Math.round((baseline.heapUsedMb + MEMORY_CRITERION.heapGrowthAllowedMb) * 10) / 10;
    const rssLimitMb = Math.round(baseline.rssMb + Math.max(MEMORY_CRITERION.rssGrowthAllowedMb, baseline.rssMb * MEMORY_CRITERION.rssGrowthAllowedRatio));
    let after: MemorySample;
    for (;;) {
      await sleep(MEMORY_CRITERION.settlePollMs);
      after = await sampleMemory(pid, probeFile);
      const near = after.heapUsedMb <= heapLimitMb && after.rssMb <= rssLimitMb;
      if (near || Date.now() - closedAt >= MEMORY_CRITERION.settleLimitSeconds * 1000) break;
    }
    const memory: MemoryCheck = {
      baseline,
      peakRssMb,
      after,
      settledSeconds: Math.round((Date.now() - closedAt) / 100) / 10,
      heapLimitMb,
      rssLimitMb,
      nearBaseline: after.heapUsedMb <= heapLimitMb && after.rssMb <= rssLimitMb,
    };
    const total = flows.phase.errors + calls.reduce((sum, c) => sum + c.errors, 0);
    return { flows: flows.phase, calls, errors: total, firstErrors: errors, memory };
  } finally {
    await server.stop();
    rmSync(probeDir, { recursive: true, force: true });
  }
}

export function formatReport(report: LoadReport): string {
  const row = (p: PhaseResult) =>
    `${p.name.padEnd(38)} ${String(p.count).padStart(7)} in ${p.seconds.toFixed(1).padStart(6)} s  ${String(p.perSecond).padStart(8)}/s  p50 ${String(p.p50Ms).padStart(7)} ms  p99 ${String(p.p99Ms).padStart(7)} ms  errors ${p.errors}`;
  const m = report.memory;
  const c = MEMORY_CRITERION;
  return [
    row(report.flows),
    ...report.calls.map(row),
    `tool calls: ${report.calls.reduce((sum, p) => sum + p.count, 0)} in all`,
    `server memory, after a full GC (MB): baseline after warm-up heapUsed ${m.baseline.heapUsedMb}, RSS ${m.baseline.rssMb}; ` +
      `${m.settledSeconds} s after the last client closed heapUsed ${m.after.heapUsedMb}, RSS ${m.after.rssMb} ` +
      `(external ${m.after.externalMb}, arrayBuffers ${m.after.arrayBuffersMb}); RSS when the clients closed, before any GC: ${m.peakRssMb}`,
    `near baseline: ${m.nearBaseline ? 'yes' : 'NO'} (criterion: within ${c.settleLimitSeconds} s, heapUsed <= baseline + ${c.heapGrowthAllowedMb} MB = ${m.heapLimitMb} ` +
      `and RSS <= baseline + max(${c.rssGrowthAllowedMb} MB, ${c.rssGrowthAllowedRatio * 100}%) = ${m.rssLimitMb})`,
    `errors: ${report.errors}${report.firstErrors.length ? `\n  ${report.firstErrors.join('\n  ')}` : ''}`,
  ].join('\n');
}
