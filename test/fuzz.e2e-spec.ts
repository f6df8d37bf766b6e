/**
 * Property-based fuzzing of every public endpoint (fast-check) against the real server
 * process, with the embedded Entra emulator. Each run sends at least 10,000 generated
 * requests; the seed is printed when a property fails (run again with FUZZ_SEED=<seed>
 * to replay it; FUZZ_RUNS=<n> changes the number of requests).
 *
 * Properties, for every request:
 * - never a 5xx, except the documented 503 with Retry-After (the store is up here: none);
 * - the server process stays alive;
 * - never a redirect to a URI that is not registered for the client (nor to Entra: no
 *   browser has consented in this run), and never a code or a token without the full flow;
 * - every error in the endpoint's documented shape and content type;
 * - nothing the request carried reflected unescaped;
 * - an answer within 2 seconds.
 */
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { EMULATOR_CLIENT_ID, EMULATOR_TENANT_ID } from '../src/config/emulator.constants';
import { openSessionStream, SessionStream } from '../src/mcp/testing/mcp-test-clients';
import { browserRequests, CANARY, clientRequests, emulatorRequests, FuzzFixtures, FuzzRequest, mcpRequests } from './support/fuzz-requests';
import { GENEROUS_RATE_LIMITS, obtainTokens, registerClient } from './support/oauth-flow';
import { spawnServer, SpawnedProcess } from './support/spawn-server';
import { freePort } from './support/test-app';

const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED);
const ANSWER_WITHIN_MS = 2_000;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Header values as a client can send them (HTTP allows no control characters or non-Latin-1). */
const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e]/g, '?');

/** Sends one generated request with node:http (fetch refuses to set Host and some headers). */
function send(origin: string, req: FuzzRequest): Promise<Answer> {
  const url = new URL(req.path, origin);
  for (const [name, value] of req.query) url.searchParams.append(name, value);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = headerSafe(value);
  if (req.body) headers['content-length'] = String(req.body.length);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: req.method, headers, agent, timeout: ANSWER_WITHIN_MS * 2 }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      const answer = (text: string) => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ms: Date.now() - started });
      if (type.startsWith('text/event-stream')) {
        // A stream that stays open (GET /sse, GET /mcp): its headers are the answer.
        res.destroy();
        answer('');
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => answer(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${ANSWER_WITHIN_MS * 2} ms`)));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

const header = (answer: Answer, name: string) => {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
};

function fail(req: FuzzRequest, answer: Answer, rule: string): never {
  const shown = answer.text.length > 300 ? `${answer.text.slice(0, 300)}…` : answer.text;
  throw new Error(`${rule}\n  request: ${req.method} ${req.path} (${req.note}) query=${JSON.stringify(req.query).slice(0, 300)}\n  answer: ${answer.status} ${header(answer, 'content-type')} location=${header(answer, 'location')} ${shown}`);
}

/** The properties every endpoint keeps. */
function checkCommon(req: FuzzRequest, answer: Answer, server: SpawnedProcess): void {
  if (server.child.exitCode !== null || server.child.signalCode !== null) fail(req, answer, 'the server process died');
  if (answer.status >= 500 && !(answer.status === 503 && header(answer, 'retry-after'))) fail(req, answer, 'a 5xx answer');
  if (answer.ms > ANSWER_WITHIN_MS) fail(req, answer, `no answer within ${ANSWER_WITHIN_MS} ms (took ${answer.ms} ms)`);
  const type = header(answer, 'content-type');
  if (answer.text.length > 0 && !type) fail(req, answer, 'a body without a content type');
  // Markup built from the request must be escaped; JSON error messages must not quote it at all.
  const quotesInput = answer.text.includes('<fz') || answer.text.includes('<script>alert(1)');
  if (quotesInput && (!type.startsWith('application/json') || answer.status >= 400)) fail(req, answer, 'the request reflected unescaped');
  const location = header(answer, 'location');
  if (/[<>"\s]/.test(location)) fail(req, answer, 'a Location header with unencoded characters');
}

function parseJson(req: FuzzRequest, answer: Answer): Record<string, unknown> {
  if (!header(answer, 'content-type').startsWith('application/json')) fail(req, answer, 'an error that is not JSON');
  try {
    const value: unknown = JSON.parse(answer.text);
    if (typeof value !== 'object' || value === null) fail(req, answer, 'a JSON error that is not an object');
    return value as Record<string, unknown>;
  } catch {
    fail(req, answer, 'a body that is not valid JSON');
  }
}

/** RFC 6749 §5.2 / RFC 7591 §3.2.2: `{error, error_description?}`, not cached. */
function checkOAuthError(req: FuzzRequest, answer: Answer): void {
  const body = parseJson(req, answer);
  if (typeof body.error !== 'string' || !/^[a-z_]+$/.test(body.error)) fail(req, answer, 'an error without an OAuth error code');
  if (body.error_description !== undefined && typeof body.error_description !== 'string') fail(req, answer, 'a non-string error_description');
  if (!header(answer, 'cache-control').includes('no-store')) fail(req, answer, 'an OAuth error without Cache-Control: no-store');
}

describe('Fuzzing every public endpoint (fast-check, ≥ 10,000 generated requests)', () => {
  let server: SpawnedProcess;
  let fixtures: FuzzFixtures;
  let stream: SessionStream;
  let sent = 0;

  beforeAll(async () => {
    const emulatorPort = await freePort();
    const spawned = await spawnServer({ ...GENEROUS_RATE_LIMITS, LOG_LEVEL: 'warn', EMULATOR_PORT: String(emulatorPort) });
    server = spawned.server;
    const target = { url: spawned.url };
    const client = await registerClient(target);
    const tokens = await obtainTokens(target);
    stream = await openSessionStream(spawned.url, 'sse', tokens.accessToken);
    fixtures = {
      serverUrl: spawned.url,
      emulatorUrl: `http://localhost:${emulatorPort}`,
      clientId: client.client_id,
      redirectUri: client.redirect_uris[0]!,
      accessToken: tokens.accessToken,
      sseSessionId: stream.sessionId,
    };
    process.stderr.write(`fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${TOTAL_RUNS} requests\n`);
  }, 60_000);

  afterAll(async () => {
    stream?.abort();
    agent.destroy();
    await server?.stop();
  });

  /** Runs `runs` generated requests through `check`; on failure fast-check reports the seed and the shrunk request. */
  async function fuzz(arbitrary: fc.Arbitrary<FuzzRequest>, runs: number, origin: () => string, check: (req: FuzzRequest, answer: Answer) => void): Promise<void> {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (req) => {
        const answer = await send(origin(), req);
        sent++;
        checkCommon(req, answer, server);
        check(req, answer);
      }),
      { seed: SEED, numRuns: runs, endOnFailure: true },
    );
  }

  it('the browser endpoints (/authorize, /auth/consent, /auth/callback) answer pages or redirect only to the registered redirect URI, never to Entra without consent', async () => {
    await fuzz(browserRequests(fixtures), Math.ceil(TOTAL_RUNS * 0.25), () => fixtures.serverUrl, (req, answer) => {
      const server = new URL(fixtures.serverUrl);
      if (answer.status >= 300 && answer.status < 400) {
        const location = new URL(header(answer, 'location'), fixtures.serverUrl);
        if (location.origin === server.origin) return;
        const clientIds = req.query.filter(([name]) => name === 'client_id').map(([, value]) => value);
        const registered = `${location.origin}${location.pathname}` === fixtures.redirectUri && clientIds.includes(fixtures.clientId);
        if (!registered) fail(req, answer, 'a redirect to a URI not registered for the client (or to Entra without consent)');
        if (location.searchParams.has('code')) fail(req, answer, 'an authorization code without the full flow');
        if (!location.searchParams.has('error') || location.searchParams.get('iss') !== server.origin) fail(req, answer, 'a redirect to the client without error and iss');
        return;
      }
      if (!header(answer, 'content-type').startsWith('text/html')) fail(req, answer, 'a browser endpoint answering something else than a page');
      if (!/frame-ancestors 'none'/.test(header(answer, 'content-security-policy'))) fail(req, answer, 'a page that may be framed');
    });
  }, 300_000);

  it('the client endpoints (/register, /token, /revoke) answer OAuth errors, accept only safe redirect URIs and never issue a token', async () => {
    await fuzz(clientRequests(fixtures), Math.ceil(TOTAL_RUNS * 0.25), () => fixtures.serverUrl, (req, answer) => {
      if (answer.status >= 400) return checkOAuthError(req, answer);
      if (req.path === '/token') fail(req, answer, 'a token without the full flow');
      if (req.path === '/revoke') {
        if (answer.status !== 200) fail(req, answer, 'an unexpected revocation status');
        return;
      }
      if (answer.status !== 201) fail(req, answer, 'an unexpected registration status');
      const body = parseJson(req, answer);
      for (const uri of body.redirect_uris as string[]) {
        const url = new URL(uri);
        const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
        if (url.hash || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) fail(req, answer, `a dangerous redirect URI registered: ${uri}`);
      }
    });
  }, 300_000);

  it('the MCP endpoints (/mcp in both protocol eras, /sse, /messages) answer JSON errors, and nothing without a valid bearer token', async () => {
    await fuzz(mcpRequests(fixtures), Math.ceil(TOTAL_RUNS * 0.35), () => fixtures.serverUrl, (req, answer) => {
      const validBearer = new RegExp(`^bearer ${fixtures.accessToken}$`, 'i').test(req.headers.authorization ?? '');
      if (answer.status < 300 && !validBearer) fail(req, answer, 'an MCP answer without a valid bearer token');
      if (answer.status >= 400) {
        if (answer.status === 405 && answer.text === '') return;
        parseJson(req, answer);
        if (answer.status === 401 && !/^Bearer resource_metadata="/.test(header(answer, 'www-authenticate'))) fail(req, answer, 'a 401 without the Bearer challenge');
      }
    });
  }, 300_000);

  it("the emulator's Entra and Graph endpoints never fail and redirect only to the server's callback", async () => {
    await fuzz(emulatorRequests(fixtures, EMULATOR_TENANT_ID, EMULATOR_CLIENT_ID), Math.ceil(TOTAL_RUNS * 0.15), () => fixtures.emulatorUrl, (req, answer) => {
      if (answer.status >= 300 && answer.status < 400) {
        const location = new URL(header(answer, 'location'), fixtures.emulatorUrl);
        const ok = location.origin === new URL(fixtures.emulatorUrl).origin || `${location.origin}${location.pathname}` === `${fixtures.serverUrl}/auth/callback`;
        if (!ok) fail(req, answer, 'an emulator redirect to a URI not registered for its client');
      }
    });
  }, 300_000);

  it(`sent at least ${TOTAL_RUNS} requests and the server is still up`, async () => {
    expect(sent).toBeGreaterThanOrEqual(TOTAL_RUNS);
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${fixtures.serverUrl}/health`)).status).toBe(200);
    expect(CANARY).toContain('<');
  });
});
