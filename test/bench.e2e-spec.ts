/**
 * `npm run bench -- --quick`: the benchmark harness runs end to end in CI so it never rots.
 * No thresholds here (the machine is shared and noisy); what must hold is that every server
 * answered every request with a real tool result, and that the report is complete.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

interface QuickReport {
  measurements: { scenario: string; target: string; requests: number; errors: number; timeouts: number; non2xx: number }[];
  ratios: { scenario: string; reference: string; ratio: number }[];
  leak: { totalCalls: number; rssAfterAllMb: number };
  idleSseStreams: { streams: number; rssAfterMb: number };
  refreshGrants: { store: string; grants: number; failed: number; cpuMicrosPerGrant: number }[];
  failures: string[];
}

describe('npm run bench -- --quick', () => {
  jest.setTimeout(600_000);

  it('builds and starts this server and the SDK reference servers, loads each, and reports every scenario with zero failed requests', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile('npm', ['run', 'bench', '--', '--quick'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

    const report = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'quick.json'), 'utf8')) as QuickReport;
    expect(report.failures).toEqual([]);
    const ran = (scenario: string, target: string) => report.measurements.some((m) => m.scenario === scenario && m.target === target && m.requests > 0);
    expect(ran('tools/call whoami, 2026-07-28', 'this server')).toBe(true);
    expect(ran('tools/call whoami, 2026-07-28', 'SDK v2 reference (createMcpHandler)')).toBe(true);
    expect(ran('tools/call whoami, 2025-11-25', 'this server')).toBe(true);
    expect(ran('tools/call whoami, 2025-11-25', 'SDK v1 reference (stateless Express)')).toBe(true);
    expect(ran('tools/call get_user_name (warm Graph cache), 2026-07-28', 'this server')).toBe(true);
    for (const m of report.measurements) expect({ target: m.target, failed: m.errors + m.timeouts + m.non2xx }).toEqual({ target: m.target, failed: 0 });
    expect(report.ratios.length).toBeGreaterThanOrEqual(3);
    expect(report.leak.rssAfterAllMb).toBeGreaterThan(0);
    expect(report.idleSseStreams.streams).toBeGreaterThan(0);
    // Refresh grants on SQLite (Redis too when it answers): real rotations, none failed, the server's CPU per grant measured.
    const sqlite = report.refreshGrants.find((r) => r.store === 'SQLite');
    expect(sqlite).toMatchObject({ failed: 0 });
    expect(sqlite!.grants).toBeGreaterThan(0);
    expect(sqlite!.cpuMicrosPerGrant).toBeGreaterThan(0);
  });
});
