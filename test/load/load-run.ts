/**
 * The load run behind `npm run test:load`: the server in its own process (with the embedded
 * Entra emulator), N concurrent clients each doing the complete OAuth flow (register, consent,
 * emulator sign-in, callback, code redeemed with PKCE), then M tool calls over each MCP
 * transport spread over those clients. Loopback only.
 */
import { readFileSync } from 'node:fs';
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
  rssBeforeMb: number;
  rssAfterMb: number;
}

const ALL_TRANSPORTS: McpTransportName[] = ['streamable-http-2026', 'streamable-http', 'sse'];

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

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const transports = options.transports ?? ALL_TRANSPORTS;
  const { server, url } = await spawnServer({ ...GENEROUS_RATE_LIMITS, LOG_LEVEL: 'warn', MCP_MAX_SESSIONS_PER_GRANT: '1000' });
  const pid = server.child.pid!;
  const errors: string[] = [];
  try {
    const rssBeforeMb = rssMb(pid);
    const flows = await concurrently('OAuth flows', Array.from({ length: options.flows }, () => () => obtainTokens({ url })), errors);
    const tokens = flows.results.filter((t) => t !== undefined).map((t) => t.accessToken);
    const calls: PhaseResult[] = [];
    for (const transport of transports) {
      // One connected client per signed-in user, each making its share of the calls in turn.
      const attempts = await Promise.all(tokens.map((token) => connectClient(url, transport, token).catch((error: Error) => error)));
      const connected: ConnectedClient[] = [];
      for (const attempt of attempts) {
        if (!(attempt instanceof Error)) connected.push(attempt);
        else if (errors.length < 5) errors.push(`connect over ${transport}: ${attempt.message}`);
      }
      // Each connected client makes its share of the calls one after the other; the clients run concurrently.
      const latencies: number[] = [];
      let failed = tokens.length - connected.length;
      const started = Date.now();
      await Promise.all(
        connected.map(async (client, index) => {
          const share = Math.floor(options.calls / connected.length) + (index < options.calls % connected.length ? 1 : 0);
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
      calls.push(phase(`tools/call over ${transport}`, options.calls, failed, latencies, (Date.now() - started) / 1000));
      await Promise.all(connected.map((c) => c.close().catch(() => undefined)));
    }
    // Let closed streams and sessions go before measuring again.
    await new Promise((r) => setTimeout(r, 3000));
    const rssAfterMb = rssMb(pid);
    const total = flows.phase.errors + calls.reduce((sum, c) => sum + c.errors, 0);
    return { flows: flows.phase, calls, errors: total, firstErrors: errors, rssBeforeMb, rssAfterMb };
  } finally {
    await server.stop();
  }
}

export function formatReport(report: LoadReport): string {
  const row = (p: PhaseResult) =>
    `${p.name.padEnd(38)} ${String(p.count).padStart(7)} in ${p.seconds.toFixed(1).padStart(6)} s  ${String(p.perSecond).padStart(8)}/s  p50 ${String(p.p50Ms).padStart(7)} ms  p99 ${String(p.p99Ms).padStart(7)} ms  errors ${p.errors}`;
  return [
    row(report.flows),
    ...report.calls.map(row),
    `tool calls: ${report.calls.reduce((sum, c) => sum + c.count, 0)} in all`,
    `server RSS: ${report.rssBeforeMb} MB before, ${report.rssAfterMb} MB after`,
    `errors: ${report.errors}${report.firstErrors.length ? `\n  ${report.firstErrors.join('\n  ')}` : ''}`,
  ].join('\n');
}
