import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AuthFailedError } from './errors';
import { revocationEndpointOf, revoke } from './logout';

describe('revoke (RFC 7009)', () => {
  let server: Server;
  let endpoint: string;
  let requests: { contentType?: string; body: string }[];
  let status: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ contentType: req.headers['content-type'], body });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? '' : JSON.stringify({ error: 'invalid_client' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/revoke`;
  });
  beforeEach(() => {
    requests = [];
    status = 200;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('posts the token, its type hint and the public client id as a form', async () => {
    await revoke(endpoint, 'rt-1', 'refresh_token', 'client-1');
    expect(requests).toEqual([{ contentType: 'application/x-www-form-urlencoded', body: 'token=rt-1&token_type_hint=refresh_token&client_id=client-1' }]);
  });

  it('names the refusal without echoing the token', async () => {
    status = 401;
    const failure = await revoke(endpoint, 'secret-token', 'access_token', 'client-1').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AuthFailedError);
    expect((failure as Error).message).toBe('The server refused to revoke the access token (HTTP 401 invalid_client).');
    expect((failure as Error).message).not.toContain('secret-token');
  });

  it('reads revocation_endpoint from authorization server metadata', () => {
    expect(revocationEndpointOf({ revocation_endpoint: endpoint } as never)).toBe(endpoint);
    expect(revocationEndpointOf(undefined)).toBeUndefined();
  });
});
