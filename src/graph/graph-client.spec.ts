import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { UpstreamSignInRequiredError, UpstreamTokens } from '../oauth/upstream-tokens';
import { OnBehalfOfTokens } from '../entra/on-behalf-of.service';
import { GraphClient, GraphClientOptions } from './graph-client';
import { GraphRequestError, GraphSignInRequiredError, GraphThrottledError, GraphUnavailableError } from './graph.errors';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A tiny stand-in for Graph: each test scripts the answers. */
class FakeGraph {
  readonly requests: { path: string; authorization?: string }[] = [];
  private handlers: Handler[] = [];
  private fallback: Handler = (_req, res) => json(res, 200, adele);
  private server!: Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
      (this.handlers.shift() ?? this.fallback)(req, res);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1.0`;
  }

  answer(...handlers: Handler[]): void {
    this.handlers.push(...handlers);
  }

  always(handler: Handler): void {
    this.fallback = handler;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const adele = { id: 'oid-adele', displayName: 'Adele Vance', mail: 'AdeleV@contoso.com', jobTitle: 'Retail Manager', userPrincipalName: 'AdeleV@contoso.com' };
const megan = { ...adele, id: 'oid-megan', displayName: 'Megan Bowen' };

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

class FakeUpstreamTokens extends UpstreamTokens {
  readonly calls: { grantId: string; forceRefresh: boolean }[] = [];
  signInRequired = false;
  async getGraphAccessToken(grantId: string, options?: { forceRefresh?: boolean }): Promise<string> {
    this.calls.push({ grantId, forceRefresh: options?.forceRefresh === true });
    if (this.signInRequired) throw new UpstreamSignInRequiredError();
    return `entra-token-${grantId}-${this.calls.length}`;
  }
  async refreshIfExpired(): Promise<void> {}
}

describe('GraphClient.getMe', () => {
  const graph = new FakeGraph();
  let tokens: FakeUpstreamTokens;

  beforeAll(() => {
    Logger.overrideLogger(false);
    return graph.start();
  });
  afterAll(() => graph.stop());
  beforeEach(() => {
    graph.requests.length = 0;
    graph.always((_req, res) => json(res, 200, adele));
    tokens = new FakeUpstreamTokens();
  });

  function client(options: Partial<GraphClientOptions> = {}, baseUrl = graph.baseUrl): GraphClient {
    // Proxy-mode grants only here: the On-Behalf-Of path is covered by test/entra-direct.e2e-spec.ts.
    return new GraphClient({ graphBaseUrl: `${baseUrl}/` } as AppConfig, tokens, {} as OnBehalfOfTokens, options);
  }

  it("calls GET /me at the configured base URL with the grant's Entra token", async () => {
    await expect(client().getMe({ grantId: 'g1' })).resolves.toEqual(adele);
    expect(graph.requests).toEqual([{ path: '/v1.0/me', authorization: 'Bearer entra-token-g1-1' }]);
  });

  it('reuses the answer for the same grant within the cache lifetime, and refetches after it', async () => {
    const graphClient = client({ cacheTtlMs: 100 });
    await graphClient.getMe({ grantId: 'g1' });
    await graphClient.getMe({ grantId: 'g1' });
    expect(graph.requests).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await graphClient.getMe({ grantId: 'g1' });
    expect(graph.requests).toHaveLength(2);
  });

  it("never serves one grant's cached profile to another grant", async () => {
    graph.always((req, res) => json(res, 200, req.headers.authorization?.includes('g-megan') ? megan : adele));
    const graphClient = client();
    expect((await graphClient.getMe({ grantId: 'g-adele' })).displayName).toBe('Adele Vance');
    expect((await graphClient.getMe({ grantId: 'g-megan' })).displayName).toBe('Megan Bowen');
    expect((await graphClient.getMe({ grantId: 'g-adele' })).displayName).toBe('Adele Vance');
    expect(graph.requests).toHaveLength(2);
  });

  it('makes one Graph request for a burst of concurrent calls (single flight)', async () => {
    const graphClient = client();
    const answers = await Promise.all(Array.from({ length: 20 }, () => graphClient.getMe({ grantId: 'g1' })));
    expect(new Set(answers.map((a) => a.displayName))).toEqual(new Set(['Adele Vance']));
    expect(graph.requests).toHaveLength(1);
  });

  it('on 401 refreshes the Entra token once (forceRefresh) and retries with the new one', async () => {
    graph.answer((_req, res) => json(res, 401, { error: { code: 'InvalidAuthenticationToken' } }));
    await expect(client().getMe({ grantId: 'g1' })).resolves.toEqual(adele);
    expect(tokens.calls).toEqual([
      { grantId: 'g1', forceRefresh: false },
      { grantId: 'g1', forceRefresh: true },
    ]);
    expect(graph.requests.map((r) => r.authorization)).toEqual(['Bearer entra-token-g1-1', 'Bearer entra-token-g1-2']);
  });

  it('on a second 401 asks the user to sign in again, without the token in the message', async () => {
    graph.always((_req, res) => json(res, 401, {}));
    const error = await client().getMe({ grantId: 'g1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphSignInRequiredError);
    expect((error as Error).message).toMatch(/sign in again/);
    expect((error as Error).message).not.toContain('entra-token');
    expect(graph.requests).toHaveLength(2);
  });

  it('turns a refused upstream refresh into a sign-in-again error', async () => {
    tokens.signInRequired = true;
    await expect(client().getMe({ grantId: 'g1' })).rejects.toThrow(GraphSignInRequiredError);
    expect(graph.requests).toHaveLength(0);
  });

  it('on 429 waits for a short Retry-After and retries once', async () => {
    graph.answer((_req, res) => json(res, 429, {}, { 'retry-after': '1' }));
    const started = Date.now();
    await expect(client().getMe({ grantId: 'g1' })).resolves.toEqual(adele);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(graph.requests).toHaveLength(2);
  });

  it('on 429 with a long Retry-After fails at once with the wait in the message', async () => {
    graph.answer((_req, res) => json(res, 429, {}, { 'retry-after': '30' }));
    const error = await client().getMe({ grantId: 'g1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphThrottledError);
    expect((error as Error).message).toBe('Microsoft Graph is throttling requests; please try again in 30 seconds.');
    expect(graph.requests).toHaveLength(1);
  });

  it('on 503 twice reports Graph as temporarily unavailable after one retry', async () => {
    graph.always((_req, res) => json(res, 503, {}));
    const error = await client({ defaultRetryDelayMs: 10 }).getMe({ grantId: 'g1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphUnavailableError);
    expect((error as Error).message).toBe('Microsoft Graph is temporarily unavailable (HTTP 503); please try again shortly.');
    expect(graph.requests).toHaveLength(2);
  });

  it('gives up after the timeout when Graph does not answer', async () => {
    graph.always(() => undefined);
    const error = await client({ timeoutMs: 200 }).getMe({ grantId: 'g1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphUnavailableError);
    expect((error as Error).message).toBe('Microsoft Graph did not answer in time; please try again.');
  });

  it('reports an unreachable Graph clearly', async () => {
    const error = await client({}, 'http://127.0.0.1:1/v1.0').getMe({ grantId: 'g1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphUnavailableError);
    expect((error as Error).message).toBe('Microsoft Graph could not be reached; please try again later.');
  });

  it('does not follow redirects (they would carry the bearer token elsewhere)', async () => {
    graph.always((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/steal' }).end());
    await expect(client().getMe({ grantId: 'g1' })).rejects.toThrow(GraphUnavailableError);
  });

  it('does not cache failures', async () => {
    graph.answer((_req, res) => json(res, 404, {}));
    const graphClient = client();
    await expect(graphClient.getMe({ grantId: 'g1' })).rejects.toThrow(GraphRequestError);
    await expect(graphClient.getMe({ grantId: 'g1' })).resolves.toEqual(adele);
  });
});
