/**
 * Logs a developer can read: started as `npm run start:dev` starts it (development, info),
 * the server writes one readable start-up block instead of Nest's route table, one short line
 * per request, and expected conditions as one line with their reason and no stack trace.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerClient, newPkce, authorizeUrl } from './support/oauth-flow';
import { SpawnedProcess, spawnServer, waitForOutput } from './support/spawn-server';

describe('The development log', () => {
  jest.setTimeout(90_000);
  let server: SpawnedProcess;
  let url: string;
  const log = () => server.stdout() + server.stderr();
  const linesWith = (text: string) => log().split('\n').filter((line) => line.includes(text));

  beforeAll(async () => {
    ({ server, url } = await spawnServer({ NODE_ENV: 'development', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), 'logs-e2e-')) }));
    await waitForOutput(server, 'is ready on');
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('starts with one block: the MCP URLs, the emulator and its demo users, the store; no route table, no runtime warning', () => {
    const text = log();
    expect(text).toContain(`MCP Entra Server is ready on ${url}`);
    expect(text).toContain(`${url}/mcp (Streamable HTTP)`);
    expect(text).toContain(`${url}/sse (HTTP+SSE`);
    expect(text).toMatch(/embedded Entra emulator at http:\/\/localhost:\d+/);
    expect(text).toContain('demo users: Adele Vance, Megan Bowen, Alex Wilber');
    expect(text).toMatch(/Store: +SQLite at \S+\.sqlite/);
    expect(text).not.toContain('Mapped {');
    expect(text).not.toContain('dependencies initialized');
    expect(text).not.toContain('Unsupported runtime');
  });

  it('writes one short line per request: method, path without secrets, status, duration, request id; no headers', async () => {
    const response = await fetch(`${url}/auth/callback?code=SECRET-CODE&state=SECRET-STATE`, {
      headers: { authorization: 'Bearer SECRET-TOKEN', 'x-request-id': 'req-lines-1' },
      redirect: 'manual',
    });
    await response.text();
    // Other lines of the request (the refused callback's warning) may be written before its request line.
    const requestLines = () => linesWith('req-lines-1').filter((line) => line.includes('GET /auth/callback?'));
    for (const deadline = Date.now() + 10_000; requestLines().length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    const lines = requestLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/GET \/auth\/callback\?code=\[REDACTED\]&state=\[REDACTED\] \d{3} \d+ ms/);
    expect(lines[0]!.length).toBeLessThan(250);
    expect(lines[0]).not.toContain('headers');
    expect(log()).not.toContain('SECRET');
  });

  it('does not warn about /favicon.ico', async () => {
    await (await fetch(`${url}/favicon.ico`, { headers: { 'x-request-id': 'req-favicon-1' } })).text();
    await waitForOutput(server, 'req-favicon-1');
    const [line] = linesWith('req-favicon-1');
    expect(line).toMatch(/INFO.*GET \/favicon\.ico 204/);
  });

  it('logs a refused redirect URI as one warning with the registered and the received value, no stack trace', async () => {
    const registered = 'http://127.0.0.1:6274/oauth/callback';
    const client = await registerClient({ url }, { redirectUris: [registered] });
    const wrong = 'http://127.0.0.1:6275/oauth/callback';
    const response = await fetch(authorizeUrl({ url }, { client, pkce: newPkce(), redirectUri: wrong }), { headers: { 'x-request-id': 'req-redirect-1' } });
    expect(response.status).toBe(400);
    await response.text();
    await waitForOutput(server, 'refused redirect_uri');
    const [line] = linesWith('refused redirect_uri');
    expect(line).toMatch(/WARN/);
    expect(line).toContain(`received "${wrong}"`);
    expect(line).toContain(`registered "${registered}"`);
    expect(log()).not.toMatch(/\n\s+at \S+ \(/); // no stack trace anywhere
  });
});
