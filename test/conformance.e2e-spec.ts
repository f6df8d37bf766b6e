/**
 * The MCP conformance suite (`@modelcontextprotocol/conformance`, an exact devDependency) against
 * this server, on Node 22 from the `node` devDependency (nothing is downloaded at test time).
 * The suite cannot sign in, so it talks to `/mcp` through a proxy that adds the bearer token of a
 * real sign-in (the OAuth flow against the embedded Entra emulator); the server's SERVER_URL is
 * the proxy's loopback origin, so the DNS-rebinding checks see the Host header the suite sends.
 *
 * Both protocol eras, the scenarios that apply to a server without the suite's fixture tools:
 * every check passes (or is skipped by the suite itself), except the few listed in
 * NOT_APPLICABLE, each with the reason it cannot apply here.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE22 } from './support/inspector';
import { GENEROUS_RATE_LIMITS, obtainTokens } from './support/oauth-flow';
import { requireOrSkip } from './support/requirements';
import { startTestServer, TestServer } from './support/test-app';
import { TokenInjectingProxy } from './support/token-proxy';

jest.setTimeout(120_000);

const CONFORMANCE = join(__dirname, '../node_modules/@modelcontextprotocol/conformance/dist/index.js');
const available = requireOrSkip(
  'the MCP conformance suite on Node 22',
  existsSync(NODE22) && existsSync(CONFORMANCE),
  `run "npm install" (devDependencies "node" and "@modelcontextprotocol/conformance"; expected ${NODE22} and ${CONFORMANCE})`,
);

const SCENARIOS: [revision: string, scenario: string][] = [
  ['2026-07-28', 'server-stateless'],
  ['2026-07-28', 'tools-list'],
  ['2026-07-28', 'dns-rebinding-protection'],
  ['2026-07-28', 'http-header-validation'],
  ['2026-07-28', 'caching'],
  ['2025-11-25', 'server-initialize'],
  ['2025-11-25', 'ping'],
  ['2025-11-25', 'tools-list'],
  ['2025-11-25', 'dns-rebinding-protection'],
];

/** A check this server cannot offer, and how its result shows that (so a real failure never hides here). */
interface NotApplicable {
  reason: string;
  recognisedBy(check: Check): boolean;
}

/** The suite's own words for a check it could not run: its fixture server's diagnostic tools are missing. */
const untestable = (check: Check) => check.details?.untestable === true;
/** The server answered "Method not found" for a capability it does not declare (the spec's answer). */
const methodNotFound = (check: Check) => /JSON-RPC error -32601: Method not found/.test(check.errorMessage ?? '');

const NOT_APPLICABLE: Record<string, NotApplicable> = {
  'sep-2575-server-rejects-undeclared-capability': {
    reason: "needs the suite's fixture tool test_missing_capability (a tool requiring a client capability); none of this server's tools needs one",
    recognisedBy: untestable,
  },
  'sep-2575-missing-capability-http-400': { reason: 'the HTTP status of that same -32021 rejection: needs test_missing_capability too', recognisedBy: untestable },
  'sep-2575-http-server-no-independent-requests-on-stream': {
    reason: "needs the suite's fixture tool test_streaming_elicitation; this server never asks the client for input (no elicitation, no sampling)",
    recognisedBy: untestable,
  },
  'sep-2575-server-no-log-without-loglevel': { reason: "needs the suite's fixture tool test_logging_tool; this server's tools send no log messages", recognisedBy: untestable },
  'sep-2549-prompts-list-caching-hints': { reason: 'this server offers no prompts (no prompts capability): prompts/list is "Method not found"', recognisedBy: methodNotFound },
  'sep-2549-resources-list-caching-hints': { reason: 'this server offers no resources (no resources capability): resources/list is "Method not found"', recognisedBy: methodNotFound },
  'sep-2549-resources-templates-list-caching-hints': {
    reason: 'this server offers no resources (no resources capability): resources/templates/list is "Method not found"',
    recognisedBy: methodNotFound,
  },
};

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
  details?: { untestable?: boolean };
}

/** Runs one scenario of the suite against `url` and returns the checks it wrote. */
async function runScenario(url: string, revision: string, scenario: string): Promise<Check[]> {
  const outputDir = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  try {
    const output = await new Promise<string>((resolve) =>
      execFile(
        NODE22,
        [CONFORMANCE, 'server', '--url', url, '--scenario', scenario, '--spec-version', revision, '--output-dir', outputDir],
        { timeout: 90_000, maxBuffer: 10 * 1024 * 1024 },
        // A scenario with failing checks exits 1: the checks themselves are judged below.
        (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
      ),
    );
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
    })(outputDir).filter((file) => file.endsWith('checks.json'));
    if (files.length === 0) throw new Error(`the conformance suite wrote no results for ${scenario}:\n${output.slice(-3000)}`);
    return files.flatMap((file) => JSON.parse(readFileSync(file, 'utf8')) as Check[]);
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
}

(available ? describe : describe.skip)('MCP conformance suite against /mcp (through a token-injecting proxy)', () => {
  let proxy: TokenInjectingProxy;
  let server: TestServer;
  const summary: string[] = [];

  beforeAll(async () => {
    proxy = await TokenInjectingProxy.start();
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, SERVER_URL: proxy.origin });
    proxy.setTarget(server.config.port);
    proxy.accessToken = (await obtainTokens({ url: proxy.origin })).accessToken;
  });

  afterAll(async () => {
    if (summary.length > 0) process.stderr.write(`\nMCP conformance results:\n${summary.join('\n')}\n\n`);
    await server?.close();
    await proxy?.close();
  });

  it.each(SCENARIOS)('%s %s: every check passes, or is one the server cannot offer', async (revision, scenario) => {
    const checks = await runScenario(`${proxy.origin}/mcp`, revision, scenario);
    const notApplicable = checks.filter((check) => check.status === 'FAILURE' && NOT_APPLICABLE[check.id]?.recognisedBy(check));
    const failed = checks.filter((check) => (check.status === 'FAILURE' || check.status === 'WARNING') && !notApplicable.includes(check));
    const count = (status: Check['status']) => checks.filter((check) => check.status === status).length;
    summary.push(
      `  ${revision} ${scenario}: ${count('SUCCESS')} passed, ${count('SKIPPED')} skipped by the suite, ${notApplicable.length} not applicable, ${failed.length} failed` +
        notApplicable.map((check) => `\n    not applicable: ${check.id} (${NOT_APPLICABLE[check.id]!.reason})`).join(''),
    );
    expect(failed.map((check) => `${check.id}: ${check.errorMessage ?? ''}`)).toEqual([]);
    expect(count('SUCCESS')).toBeGreaterThan(0);
  });
});
