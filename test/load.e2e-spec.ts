/**
 * `npm run test:load` in small: the same run (complete OAuth flows, then tool calls over every
 * transport) with a few clients, so the load harness never rots. The numbers quoted in the
 * README come from the full run.
 */
import { formatReport, runLoad } from './load/load-run';

describe('npm run test:load (small)', () => {
  jest.setTimeout(300_000);

  it(`signs in 10 clients concurrently through the complete flow, then makes 300 tool calls per transport, with no error, and the server's memory returns near its baseline`, async () => {
    const report = await runLoad({ flows: 10, calls: 300 });
    process.stderr.write(`${formatReport(report)}\n`);
    expect(report.firstErrors).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.flows.count).toBe(10);
    expect(report.calls.map((c) => [c.name, c.count])).toEqual([
      ['tools/call over streamable-http-2026', 300],
      ['tools/call over streamable-http', 300],
      ['tools/call over sse', 300],
    ]);
    expect(report.memory.baseline.rssMb).toBeGreaterThan(0);
    expect(report.memory.baseline.heapUsedMb).toBeGreaterThan(0);
    expect(report.memory.nearBaseline).toBe(true);
  });
});
