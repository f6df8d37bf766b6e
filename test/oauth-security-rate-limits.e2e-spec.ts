/**
 * Rate limits on the OAuth endpoints (DESIGN.md security rules): 429 in the endpoint's own error shape.
 */
import { postForm } from './support/oauth-flow';
import { startTestServer, TestServer } from './support/test-app';

jest.setTimeout(60_000);

describe('rate limits on /authorize and /revoke', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_AUTHORIZE_PER_MINUTE: '2', RATE_LIMIT_REVOKE_PER_MINUTE: '2' });
  });
  afterAll(async () => server?.close());

  it('answers the third /authorize within a minute with a 429 page, never a redirect', async () => {
    const url = `${server.url}/authorize?client_id=nobody`;
    for (let i = 0; i < 2; i++) expect((await fetch(url, { redirect: 'manual' })).status).toBe(400);
    const limited = await fetch(url, { redirect: 'manual' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('location')).toBeNull();
    expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers the third /revoke within a minute with 429 too_many_requests', async () => {
    const revoke = () => postForm(`${server.url}/revoke`, { token: 'x', client_id: 'nobody' });
    for (let i = 0; i < 2; i++) expect((await revoke()).status).toBe(401);
    const limited = await revoke();
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
  });
});
