import http from 'node:http';
import { AddressInfo } from 'node:net';
import { DocumentFetchError, fetchMetadataDocument, Resolver } from './metadata-document.fetcher';

describe('fetchMetadataDocument (SSRF-safe)', () => {
  let server: http.Server;
  let port: number;
  let requests = 0;

  beforeAll(async () => {
    // Listens on 127.0.0.2 only: "localhost" as the system resolves it (127.0.0.1 / ::1) does not reach it.
    server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects to the address it checked, not to whatever the name resolves to at connect time (no DNS rebinding)', async () => {
    let lookups = 0;
    const resolve: Resolver = () => {
      lookups++;
      return Promise.resolve([{ address: '127.0.0.2', family: 4 }]);
    };
    const fetched = await fetchMetadataDocument(new URL(`http://localhost:${port}/doc.json`), { allowLoopback: true, resolve });
    expect(JSON.parse(fetched.body.toString())).toEqual({ ok: true });
    expect(fetched.headers['cache-control']).toBe('max-age=60');
    expect(lookups).toBe(1);
    expect(requests).toBe(1);
  });

  it('refuses a name when any of its addresses is not public, before connecting', async () => {
    const resolve: Resolver = () =>
      Promise.resolve([
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ]);
    await expect(fetchMetadataDocument(new URL('https://docs.example.com/client.json'), { allowLoopback: false, resolve })).rejects.toThrow(
      new DocumentFetchError('its host docs.example.com is a private address, which this server does not fetch from'),
    );
    const mapped: Resolver = () => Promise.resolve([{ address: '::ffff:127.0.0.1', family: 6 }]);
    await expect(fetchMetadataDocument(new URL('https://docs.example.com/client.json'), { allowLoopback: true, resolve: mapped })).rejects.toThrow(
      'its host docs.example.com is a loopback address',
    );
  });

  it('allows loopback only for a loopback host name with CIMD_ALLOW_LOOPBACK, never for other names resolving to loopback', async () => {
    const resolve: Resolver = () => Promise.resolve([{ address: '127.0.0.2', family: 4 }]);
    await expect(fetchMetadataDocument(new URL(`http://localhost:${port}/doc.json`), { allowLoopback: false, resolve })).rejects.toThrow('does not use https');
    await expect(fetchMetadataDocument(new URL(`https://localhost:${port}/doc.json`), { allowLoopback: false, resolve })).rejects.toThrow('is a loopback address');
    await expect(fetchMetadataDocument(new URL(`https://rebind.example.com:${port}/doc.json`), { allowLoopback: true, resolve })).rejects.toThrow('is a loopback address');
  });

  it('says so when the name cannot be resolved', async () => {
    const resolve: Resolver = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(fetchMetadataDocument(new URL('https://nowhere.example/client.json'), { allowLoopback: false, resolve })).rejects.toThrow(
      'its host nowhere.example could not be found',
    );
  });

  it('gives up at the deadline, DNS included', async () => {
    const resolve: Resolver = () => new Promise(() => undefined);
    await expect(fetchMetadataDocument(new URL('https://slow-dns.example/client.json'), { allowLoopback: false, resolve, timeoutMs: 50 })).rejects.toThrow(
      'its server did not answer within 0.05 seconds',
    );
  });
});
