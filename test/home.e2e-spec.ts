/**
 * A server that says who it is: SERVER_NAME on the consent page, in the protected-resource
 * metadata (`resource_name`), as the emulator's app name and in MCP `serverInfo`; `GET /`
 * answers people with a page and clients that ask for JSON with JSON.
 */
import { escapeHtml } from '../src/shared/pages/html';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CookieJarClient } from './support/cookie-jar';
import { authorizeUrl, GENEROUS_RATE_LIMITS, newPkce, obtainTokens, registerClient } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

const NAME = 'Contoso HR tools';

describe('A server that says who it is', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, SERVER_NAME: NAME });
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('GET /', () => {
    it('shows people a page: what this is, its MCP endpoints, how to connect, links to metadata and health', async () => {
      const response = await fetch(`${server.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('vary')).toMatch(/Accept/i);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const page = await response.text();
      expect(page).toContain(`<h1>${NAME}</h1>`);
      for (const text of [
        `${server.url}/mcp`,
        `${server.url}/sse`,
        'mcp-inspector --web',
        `npm run client -- --server ${server.url}`,
        `${server.url}/.well-known/oauth-protected-resource`,
        `${server.url}/.well-known/oauth-authorization-server`,
        `${server.url}/health`,
      ]) {
        expect(page).toContain(escapeHtml(text));
      }
      // People can reach the connected apps page, to see and revoke what they allowed.
      expect(page).toContain(`<a href="${escapeHtml(`${server.url}/account`)}">manage connected apps</a>`);
    });

    it('answers HTML to a client that accepts anything', async () => {
      const response = await fetch(`${server.url}/`, { headers: { accept: '*/*' } });
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    });

    it('answers JSON to a client that asks for JSON', async () => {
      const response = await fetch(`${server.url}/`, { headers: { accept: 'application/json' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        name: NAME,
        description: expect.stringContaining('Microsoft Entra ID'),
        mcp: { streamable_http: `${server.url}/mcp`, sse: `${server.url}/sse` },
        sign_in: { provider: 'Entra emulator (development)', authority: `${server.config.entra.authorityOrigin}/${server.config.entra.tenantId}` },
        metadata: {
          protected_resource: `${server.url}/.well-known/oauth-protected-resource`,
          authorization_server: `${server.url}/.well-known/oauth-authorization-server`,
        },
        health: { live: `${server.url}/health`, ready: `${server.url}/health/ready` },
        connected_apps: `${server.url}/account`,
      });
    });

    it('answers /favicon.ico with 204 (browsers ask on every page; not a 404 in the log)', async () => {
      const response = await fetch(`${server.url}/favicon.ico`);
      expect(response.status).toBe(204);
    });
  });

  it('names itself in the protected-resource metadata (RFC 9728 resource_name)', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/oauth-protected-resource`)).json()) as { resource_name: string };
    expect(metadata.resource_name).toBe(NAME);
  });

  it('names itself on the consent page and as the app on the emulator’s sign-in page', async () => {
    const client = await registerClient(server);
    const jar = new CookieJarClient();
    const consent = await jar.followRedirects(authorizeUrl(server, { client, pkce: newPkce() }));
    expect(consent.url.pathname).toBe('/auth/consent');
    expect(await consent.response.text()).toContain(`${NAME} · sign-in`);

    const flow = await obtainTokens(server, { user: 'Adele Vance' });
    expect(flow.accessToken).toEqual(expect.any(String));
    const signIn = await jar.fetch(`${server.config.entra.authorityOrigin}/${server.config.entra.tenantId}/oauth2/v2.0/authorize?client_id=${server.config.entra.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(server.config.entra.redirectUri)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`);
    const next = await jar.followRedirects(new URL(signIn.headers.get('location')!, server.config.entra.authorityOrigin));
    expect(await next.response.text()).toContain(NAME);
  });

  it('names itself in MCP serverInfo (its title; the name stays the product id)', async () => {
    const { accessToken } = await obtainTokens(server);
    const client = new Client({ name: 'home-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: { Authorization: `Bearer ${accessToken}` } } }));
    expect(client.getServerVersion()).toMatchObject({ name: 'mcp-entra-server', title: NAME });
    await client.close();
  });
});
