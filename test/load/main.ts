/**
 * `npm run test:load -- [--flows N] [--calls M]`: N concurrent complete OAuth flows against the
 * emulator, then M tool calls over each MCP transport; prints rates, p50/p99, errors and the
 * server's memory (heapUsed and RSS after a full GC) at a warmed-up baseline and after the load.
 * Exits 1 when any request failed or the memory did not return near baseline (the criterion
 * is printed with the numbers; see MEMORY_CRITERION).
 */
import { parseArgs } from 'node:util';
import { formatReport, runLoad } from './load-run';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { flows: { type: 'string', default: '200' }, calls: { type: 'string', default: '20000' } } });
  const flows = Number(values.flows);
  const calls = Number(values.calls);
  process.stdout.write(`load: ${flows} concurrent OAuth flows, then ${calls} tool calls per transport\n`);
  const report = await runLoad({ flows, calls });
  process.stdout.write(`${formatReport(report)}\n`);
  process.exitCode = report.errors === 0 && report.memory.nearBaseline ? 0 : 1;
}

void main();
