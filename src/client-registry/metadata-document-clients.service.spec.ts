import http from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig } from '../config/app-config';
import { MAX_CACHED_DOCUMENTS, MetadataDocumentClients, MetadataDocumentError } from './metadata-document-clients.service';

describe('MetadataDocumentClients (fetch, validate, cache)', () => {
  let server: http.Server;
  let origin: string;
  const hits = new Map<string, number>();
  const extra = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = req.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const body = { client_id: `${origin}${path}`, redirect_uris: ['http://127.0.0.1:6276/oauth/callback'], ...extra.get(path) };
      // A little latency, so that concurrent look-ups overlap.
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' }).end(JSON.stringify(body)), 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const service = () => new MetadataDocumentClients(Object.assign(new AppConfig(), { cimdAllowLoopback: true }));

  it('shares one fetch between concurrent look-ups of the same document, then answers from the cache', async () => {
    const documents = service();
    const id = `${origin}/concurrent.json`;
    const [a, b] = await Promise.all([documents.resolve(id), documents.resolve(id)]);
    expect(a).toBe(b);
    expect(a.metadata_document_host).toBe(new URL(origin).host);
    await documents.resolve(id);
    expect(hits.get('/concurrent.json')).toBe(1);
  });

  it(`keeps a bounded number of documents (${MAX_CACHED_DOCUMENTS} by default), dropping the least recently used`, async () => {
    const documents = service();
    expect(documents.maxEntries).toBe(MAX_CACHED_DOCUMENTS);
    documents.maxEntries = 3;
    const doc = (n: number) => `${origin}/lru/${n}.json`;
    for (const n of [0, 1, 2]) await documents.resolve(doc(n));
    await documents.resolve(doc(0)); // used again: now the most recent
    await documents.resolve(doc(3)); // evicts 1, the least recently used
    await documents.resolve(doc(0));
    await documents.resolve(doc(2));
    expect([0, 1, 2, 3].map((n) => hits.get(`/lru/${n}.json`))).toEqual([1, 1, 1, 1]);
    await documents.resolve(doc(1));
    expect(hits.get('/lru/1.json')).toBe(2);
  });

  it('refuses with one sentence whose characters an OAuth error_description may carry (RFC 6749 §5.2)', async () => {
    extra.set('/desktop.json', { application_type: 'desktop' });
    const error = await service()
      .resolve(`${origin}/desktop.json`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetadataDocumentError);
    const message = (error as Error).message;
    expect(message).toMatch(/^The application's client metadata document could not be used: application_type: .+\.$/);
    expect(message).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
  });

  it('refuses loopback documents unless CIMD_ALLOW_LOOPBACK is on', async () => {
    const strict = new MetadataDocumentClients(Object.assign(new AppConfig(), { cimdAllowLoopback: false }));
    await expect(strict.resolve(`${origin}/concurrent.json`)).rejects.toThrow('its client_id URL does not use https');
  });
});
