/**
 * Nothing secret is logged (DESIGN.md security rules): a whole flow through the server process, then its log is searched.
 */
import { authorizeUrl, authorizeWithBrowser, GENEROUS_RATE_LIMITS, newPkce, redeemCode, refreshTokens, registerClient, revokeToken, TokenSet } from './support/oauth-flow';
import { CLIENT_STATE } from './support/security-flow';
import { SpawnedProcess, spawnServer, waitForOutput } from './support/spawn-server';

jest.setTimeout(60_000);

describe('logs (the server entry point in its own process, JSON lines at LOG_LEVEL=info)', () => {
  let server: SpawnedProcess;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await spawnServer({ ...GENEROUS_RATE_LIMITS }));
  });
  afterAll(async () => server?.stop());

  it('never contain an authorization code, token, state, nonce or client secret: not in request URLs, not in redirect Locations', async () => {
    const client = await registerClient({ url }, { authMethod: 'client_secret_basic' });
    const pkce = newPkce();
    const flow = await authorizeWithBrowser({ url }, authorizeUrl({ url }, { client, pkce }));
    const tokens = (await (await redeemCode({ url }, client, flow.code!, pkce)).json()) as TokenSet;
    const next = (await (await refreshTokens({ url }, client, tokens.refresh_token!)).json()) as TokenSet;
    expect((await revokeToken({ url }, client, next.access_token)).status).toBe(200);
    await waitForOutput(server, '/revoke');

    const log = server.stdout() + server.stderr();
    expect(log).toContain('/auth/callback'); // the flow was logged…
    for (const secret of [flow.code!, CLIENT_STATE, client.client_secret!, tokens.access_token, tokens.refresh_token!, next.access_token, next.refresh_token!]) {
      expect(log).not.toContain(secret); // …without its secrets
    }
    expect(log).not.toMatch(/[?&](code|state|nonce)=(?!\[REDACTED\])/);
  });
});
