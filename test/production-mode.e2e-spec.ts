/**
 * Production mode, end to end: the real server process with NODE_ENV=production behind a
 * TLS-terminating reverse proxy (the way it is deployed), signing in against an Entra tenant
 * served over https (a standalone emulator with a throwaway CA made by openssl, trusted by the
 * server through NODE_EXTRA_CA_CERTS), and the start-up checks that refuse an unsafe configuration.
 */
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntraEmulator } from '../src/entra-emulator/entra-emulator';
import { CookieJarClient } from './support/cookie-jar';
import { formSubmission, formWithButton } from './support/html-forms';
import { authorizeUrl, GENEROUS_RATE_LIMITS, newPkce, obtainTokens, registerClient } from './support/oauth-flow';
import { spawnServer, SpawnedProcess, spawnTs } from './support/spawn-server';
import { freePort } from './support/test-app';
import { fetchTrustingCa, makeTestCertificates, TestCertificates } from './support/tls-certificates';

jest.setTimeout(60_000);

/** Hop-by-hop headers (RFC 9110 §7.6.1) concern one connection: a proxy never forwards them. */
function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']) delete copy[name];
  return copy;
}

/** A TLS-terminating reverse proxy: https in, plain http to the server, with X-Forwarded-Proto/Host/For. */
async function startTlsProxy(certs: TestCertificates, backendPort: () => number): Promise<{ server: HttpsServer; port: number }> {
  const server = createHttpsServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (req, res) => {
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: backendPort(),
        method: req.method,
        path: req.url,
        headers: { ...withoutHopByHop(req.headers), 'x-forwarded-proto': 'https', 'x-forwarded-host': req.headers.host ?? '', 'x-forwarded-for': req.socket.remoteAddress ?? '' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { server, port };
}

/** True when something accepts TCP connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('Production mode: https behind a TLS-terminating proxy', () => {
  const plainFetch = globalThis.fetch;
  let certs: TestCertificates;
  let tenant: EntraEmulator;
  let proxy: { server: HttpsServer; port: number };
  let server: SpawnedProcess;
  let serverUrl: string;
  let backendPort = 0;
  let productionEnv: Record<string, string>;

  beforeAll(async () => {
    certs = makeTestCertificates();
    // The test plays browser and MCP client through the proxy: it trusts the test CA, as the server does.
    globalThis.fetch = fetchTrustingCa(certs.ca);
    proxy = await startTlsProxy(certs, () => backendPort);
    serverUrl = `https://localhost:${proxy.port}`;
    tenant = new EntraEmulator({ port: 0, redirectUris: [`${serverUrl}/auth/callback`], tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });
    await tenant.start();
    productionEnv = {
      ...GENEROUS_RATE_LIMITS,
      NODE_ENV: 'production',
      SERVER_URL: serverUrl,
      TRUST_PROXY: 'loopback',
      AUTH_AUTHORITY: tenant.origin,
      AUTH_TENANT_ID: tenant.tenantId,
      AUTH_CLIENT_ID: tenant.clientId,
      GRAPH_BASE_URL: tenant.graphBaseUrl,
      AUTH_SIGNING_KEY: randomBytes(32).toString('hex'),
      NODE_EXTRA_CA_CERTS: certs.ca,
      EMULATOR_PORT: String(await freePort()),
    };
    const spawned = await spawnServer(productionEnv);
    server = spawned.server;
    backendPort = Number(new URL(spawned.url).port);
  });

  afterAll(async () => {
    globalThis.fetch = plainFetch;
    await server?.stop();
    await tenant?.stop();
    proxy?.server.close();
    proxy?.server.closeAllConnections();
  });

  it('publishes the https SERVER_URL as issuer and resource in its metadata', async () => {
    const as = (await (await fetch(`${serverUrl}/.well-known/oauth-authorization-server`)).json()) as { issuer: string; token_endpoint: string };
    expect(as.issuer).toBe(serverUrl);
    expect(as.token_endpoint).toBe(`${serverUrl}/token`);
    const prm = (await (await fetch(`${serverUrl}/.well-known/oauth-protected-resource`)).json()) as { resource: string; authorization_servers: string[] };
    expect(prm.resource).toBe(`${serverUrl}/`);
    expect(prm.authorization_servers).toEqual([serverUrl]);
  });

  it('sends HSTS on every response, errors included', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/health', '/no-such-page']) {
      const response = await fetch(`${serverUrl}${path}`);
      await response.body?.cancel();
      expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=31536000; includeSubDomains/);
    }
  });

  it('runs no embedded emulator: EMULATOR_PORT stays closed and the start-up summary names the tenant', async () => {
    // The process is given an EMULATOR_PORT; production must ignore it.
    expect(await listening(Number(productionEnv.EMULATOR_PORT))).toBe(false);
    const log = server.stdout() + server.stderr();
    expect(log).toContain('NODE_ENV=production');
    expect(log).toContain(`Sign-in:   Microsoft Entra ID, authority ${tenant.issuer}`);
    expect(log).not.toContain('embedded Entra emulator');
  });

  it('sets the flow cookies as __Host- cookies: Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const client = await registerClient({ url: serverUrl });
    const jar = new CookieJarClient();
    const consentPage = await jar.followRedirects(authorizeUrl({ url: serverUrl }, { client, pkce: newPkce() }));
    expect(consentPage.url.pathname).toBe('/auth/consent');
    const { form, button } = formWithButton(await consentPage.response.text(), consentPage.url, 'Allow');
    const submission = formSubmission(form, button);
    const toEntra = await jar.fetch(submission.url, submission.init);
    expect(toEntra.status).toBe(303);
    expect(new URL(toEntra.headers.get('location')!).origin).toBe(tenant.origin);
    const cookies = toEntra.headers.getSetCookie();
    expect(cookies.map((cookie) => cookie.split('=')[0]).sort()).toEqual(['__Host-mcp_auth_state', '__Host-mcp_consent']);
    for (const cookie of cookies) {
      const attributes = cookie.split(';').slice(1).map((attribute) => attribute.trim().toLowerCase());
      expect(attributes).toEqual(expect.arrayContaining(['path=/', 'httponly', 'secure', 'samesite=lax']));
      expect(attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);
    }
  });

  it('signs in through the proxy to a token that calls whoami over MCP', async () => {
    const tokens = await obtainTokens({ url: serverUrl }, { user: 'Megan Bowen' });
    const client = new Client({ name: 'production-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', serverUrl), { fetch, requestInit: { headers: { Authorization: `Bearer ${tokens.accessToken}` } } }));
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    expect(whoami.structuredContent).toMatchObject({ name: 'Megan Bowen', clientId: tokens.clientId });
    await client.close();
  });

  describe('refuses to start with an unsafe configuration, one line per problem', () => {
    async function startFails(env: Record<string, string>): Promise<string> {
      const attempt = spawnTs('src/main.ts', { ...productionEnv, PORT: String(await freePort()), DATA_DIR: mkdtempSync(join(tmpdir(), 'production-')), ...env });
      expect(await attempt.exited).toBe(1);
      return attempt.stderr();
    }

    it('a plain-http SERVER_URL', async () => {
      expect(await startFails({ SERVER_URL: 'http://localhost:8443' })).toContain(
        'SERVER_URL: must be https in production (got "http://localhost:8443"); for example SERVER_URL=https://mcp.example.com\n',
      );
    });

    it('a missing AUTH_SIGNING_KEY', async () => {
      expect(await startFails({ AUTH_SIGNING_KEY: '' })).toContain('AUTH_SIGNING_KEY: required in production; for example AUTH_SIGNING_KEY=$(openssl rand -hex 32)\n');
    });
  });
});
