import { DEFAULT_DOCUMENT_CACHE_MS, documentCacheLifetimeMs, MAX_DOCUMENT_CACHE_MS } from './cache-lifetime';

describe('documentCacheLifetimeMs (HTTP caching of client metadata documents, bounded to 24 h)', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('honours max-age, and s-maxage before it, minus Age', () => {
    expect(documentCacheLifetimeMs({ 'cache-control': 'public, max-age=300' }, now)).toBe(300_000);
    expect(documentCacheLifetimeMs({ 'cache-control': 'max-age=300, s-maxage=60' }, now)).toBe(60_000);
    expect(documentCacheLifetimeMs({ 'cache-control': 'max-age=300', age: '100' }, now)).toBe(200_000);
    expect(documentCacheLifetimeMs({ 'cache-control': 'max-age=30', age: '100' }, now)).toBe(0);
  });

  it('does not keep documents marked no-store or no-cache', () => {
    expect(documentCacheLifetimeMs({ 'cache-control': 'no-store' }, now)).toBe(0);
    expect(documentCacheLifetimeMs({ 'cache-control': 'max-age=600, no-cache' }, now)).toBe(0);
  });

  it('falls back to Expires minus Date, and treats an invalid Expires as expired', () => {
    expect(documentCacheLifetimeMs({ expires: 'Thu, 01 Jan 2026 00:05:00 GMT', date: 'Thu, 01 Jan 2026 00:00:00 GMT' }, now)).toBe(300_000);
    expect(documentCacheLifetimeMs({ expires: 'Thu, 01 Jan 2026 00:01:00 GMT' }, now)).toBe(60_000);
    expect(documentCacheLifetimeMs({ expires: '0' }, now)).toBe(0);
  });

  it('uses a default without caching headers and never exceeds 24 hours', () => {
    expect(documentCacheLifetimeMs({}, now)).toBe(DEFAULT_DOCUMENT_CACHE_MS);
    expect(documentCacheLifetimeMs({ 'cache-control': 'max-age=31536000' }, now)).toBe(MAX_DOCUMENT_CACHE_MS);
    expect(documentCacheLifetimeMs({ expires: 'Fri, 01 Jan 2027 00:00:00 GMT' }, now)).toBe(MAX_DOCUMENT_CACHE_MS);
    expect(documentCacheLifetimeMs({ 'cache-control': 'max-age=abc' }, now)).toBe(DEFAULT_DOCUMENT_CACHE_MS);
  });
});
