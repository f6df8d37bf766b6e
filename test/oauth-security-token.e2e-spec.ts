/**
 * Security rules of `POST /token`: PKCE, single-use codes bound to client and redirect URI, client
 * authentication, refresh-token rotation with its grace window (DESIGN.md).
 */
import { AccessTokenVerifier, InvalidTokenError } from '../src/shared/access-token-verifier.port';
import {
  authorizeUrl,
  authorizeWithBrowser,
  clientAuth,
  GENEROUS_RATE_LIMITS,
  newPkce,
  obtainTokens,
  postForm,
  redeemCode,
  refreshTokens,
  registerClient,
  RegisteredTestClient,
  TokenSet,
} from './support/oauth-flow';
import { securityFlow } from './support/security-flow';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

describe('OAuth security: the token endpoint', () => {
  let server: TestServer;
  let verifier: AccessTokenVerifier;
  const { expectOAuthError } = securityFlow(() => server);

  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS });
    verifier = server.app.get(AccessTokenVerifier);
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('POST /token, authorization_code: PKCE, single use, bound to client and redirect URI', () => {
    async function codeFor(client: RegisteredTestClient, pkce = newPkce()) {
      const flow = await authorizeWithBrowser(server, authorizeUrl(server, { client, pkce }));
      expect(flow.code).toBeDefined();
      return { code: flow.code!, pkce };
    }

    it('refuses a wrong code_verifier with invalid_grant, without burning the code', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, newPkce()), 400, 'invalid_grant');
      expect((await redeemCode(server, client, code, pkce)).status).toBe(200);
    });

    it('refuses a missing code_verifier (PKCE is required)', async () => {
      const client = await registerClient(server);
      const { code } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, newPkce(), { code_verifier: undefined }), 400, 'invalid_request');
    });

    it('refuses the plain method: the challenge itself is not accepted as the verifier', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, pkce, { code_verifier: pkce.challenge }), 400, 'invalid_grant');
    });

    it('refuses a replayed code and revokes the tokens it issued', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      const first = (await (await redeemCode(server, client, code, pkce)).json()) as TokenSet;
      await expect(verifier.verify(first.access_token)).resolves.toBeDefined();
      await expectOAuthError(await redeemCode(server, client, code, pkce), 400, 'invalid_grant');
      await expect(verifier.verify(first.access_token)).rejects.toBeInstanceOf(InvalidTokenError);
      await expectOAuthError(await refreshTokens(server, client, first.refresh_token!), 400, 'invalid_grant');
    });

    it('refuses a code issued to another client (and leaves it to its client)', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      const other = await registerClient(server, { redirectUris: client.redirect_uris });
      await expectOAuthError(await redeemCode(server, other, code, pkce), 400, 'invalid_grant');
      expect((await redeemCode(server, client, code, pkce)).status).toBe(200);
    });

    it('refuses a redirect_uri other than the one of the authorization request', async () => {
      const client = await registerClient(server, { redirectUris: ['http://127.0.0.1:7101/cb', 'http://127.0.0.1:7102/cb'] });
      const { code, pkce } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, pkce, { redirect_uri: 'http://127.0.0.1:7102/cb' }), 400, 'invalid_grant');
    });

    it('refuses a resource that is not this server (invalid_target)', async () => {
      const client = await registerClient(server);
      const { code, pkce } = await codeFor(client);
      await expectOAuthError(await redeemCode(server, client, code, pkce, { resource: 'https://other.example.com/' }), 400, 'invalid_target');
    });

    it('refuses an unknown code', async () => {
      const client = await registerClient(server);
      await expectOAuthError(await redeemCode(server, client, 'x'.repeat(43), newPkce()), 400, 'invalid_grant');
    });
  });

  describe('POST /token: confidential client authentication (RFC 6749 §2.3.1)', () => {
    it('answers 401 invalid_client with a Basic challenge for a wrong secret sent with client_secret_basic', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_basic' });
      const wrong = { ...client, client_secret: `${client.client_secret}x` };
      const response = await refreshTokens(server, wrong, 'whatever');
      await expectOAuthError(response, 401, 'invalid_client');
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    });

    it('answers 401 invalid_client for a wrong secret sent with client_secret_post', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_post' });
      await expectOAuthError(await refreshTokens(server, { ...client, client_secret: 'guess' }, 'whatever'), 401, 'invalid_client');
    });

    it('answers 401 invalid_client when a confidential client sends no secret', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_post' });
      await expectOAuthError(await refreshTokens(server, { ...client, token_endpoint_auth_method: 'none' }, 'whatever'), 401, 'invalid_client');
    });

    it('answers 401 invalid_client when a public client presents a secret', async () => {
      const client = await registerClient(server);
      const response = await postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: 'x', client_id: client.client_id, client_secret: 'anything' });
      await expectOAuthError(response, 401, 'invalid_client');
    });

    it('answers 401 invalid_client when the Basic client id and the body client_id disagree', async () => {
      const client = await registerClient(server, { authMethod: 'client_secret_basic' });
      const other = await registerClient(server);
      const response = await refreshTokens(server, client, 'whatever', { client_id: other.client_id });
      await expectOAuthError(response, 401, 'invalid_client');
    });

    it('answers 401 invalid_client for an unknown client', async () => {
      const response = await postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nobody' });
      await expectOAuthError(response, 401, 'invalid_client');
    });
  });

  describe('POST /token, refresh_token: rotation with a grace window for retries (DESIGN.md)', () => {
    async function refresh(client: RegisteredTestClient, token: string) {
      const response = await refreshTokens(server, client, token);
      return { status: response.status, body: (await response.json()) as TokenSet & { error?: string } };
    }

    it('rotates: a new access and refresh token on every use', async () => {
      const { refreshToken, client } = await obtainTokens(server);
      const next = await refresh(client, refreshToken!);
      expect(next.status).toBe(200);
      expect(next.body.refresh_token).not.toBe(refreshToken);
      await expect(verifier.verify(next.body.access_token)).resolves.toMatchObject({ name: 'Adele Vance' });
    });

    it('returns the same successor pair when the rotated-out token is retried before the successor is used (lost response)', async () => {
      const { refreshToken, client } = await obtainTokens(server);
      const first = await refresh(client, refreshToken!);
      const retry = await refresh(client, refreshToken!);
      expect(retry.status).toBe(200);
      expect(retry.body.access_token).toBe(first.body.access_token);
      expect(retry.body.refresh_token).toBe(first.body.refresh_token);
    });

    it('gives two concurrent refreshes with the same token the same pair', async () => {
      const { refreshToken, client } = await obtainTokens(server);
      const [a, b] = await Promise.all([refresh(client, refreshToken!), refresh(client, refreshToken!)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.refresh_token).toBe(b.body.refresh_token);
    });

    it('revokes the whole grant when the rotated-out token is presented after its successor was used', async () => {
      const { accessToken, refreshToken, client } = await obtainTokens(server);
      const second = await refresh(client, refreshToken!);
      const third = await refresh(client, second.body.refresh_token!);
      expect(third.status).toBe(200);
      const reuse = await refresh(client, refreshToken!);
      expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      for (const token of [accessToken, second.body.access_token, third.body.access_token]) {
        await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
      }
      expect((await refresh(client, third.body.refresh_token!)).status).toBe(400);
    });

    it('refuses a refresh token of another client, leaving it usable by its own', async () => {
      const { refreshToken, client } = await obtainTokens(server);
      const other = await registerClient(server);
      expect(await refresh(other, refreshToken!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect((await refresh(client, refreshToken!)).status).toBe(200);
    });

    it('refuses a refresh that asks for more scopes than granted (invalid_scope)', async () => {
      const { refreshToken, client } = await obtainTokens(server, { scope: 'mcp:tools' });
      const auth = clientAuth(client);
      const response = await postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken!, scope: 'mcp:tools user.read', ...auth.params });
      await expectOAuthError(response, 400, 'invalid_scope');
    });
  });
});

describe('refresh grace window (REFRESH_GRACE_SECONDS=1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...GENEROUS_RATE_LIMITS, REFRESH_GRACE_SECONDS: '1' });
  });
  afterAll(async () => server?.close());

  it('revokes the grant when the rotated-out token is retried after the grace window', async () => {
    const { accessToken, refreshToken, client } = await obtainTokens(server);
    const next = await refreshTokens(server, client, refreshToken!);
    expect(next.status).toBe(200);
    const pair = (await next.json()) as TokenSet;
    await new Promise((r) => setTimeout(r, 1200));
    const late = await refreshTokens(server, client, refreshToken!);
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ error: 'invalid_grant' });
    const verifier = server.app.get(AccessTokenVerifier);
    for (const token of [accessToken, pair.access_token]) await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
