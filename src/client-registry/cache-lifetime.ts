import type { IncomingHttpHeaders } from 'node:http';

/** A document is kept at most this long, whatever its headers say. */
export const MAX_DOCUMENT_CACHE_MS = 24 * 60 * 60 * 1000;
/** Kept this long when the response says nothing about caching. */
export const DEFAULT_DOCUMENT_CACHE_MS = 10 * 60 * 1000;

/**
 * How long a fetched client metadata document may be reused (RFC 9111 freshness, as the draft asks
 * authorization servers to respect HTTP caching headers): `no-store`/`no-cache` → not at all;
 * `s-maxage` (we are a shared cache), else `max-age`, minus `Age`; else `Expires` − `Date`; else a
 * default. Always within [0, 24 h].
 */
export function documentCacheLifetimeMs(headers: IncomingHttpHeaders, now = Date.now()): number {
  const directives = new Map<string, string | undefined>();
  for (const part of (headers['cache-control'] ?? '').split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name) directives.set(name.toLowerCase(), value?.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache')) return 0;
  const maxAge = seconds(directives.get('s-maxage')) ?? seconds(directives.get('max-age'));
  let lifetime: number;
  if (maxAge !== undefined) {
    lifetime = (maxAge - (seconds(headerValue(headers.age)) ?? 0)) * 1000;
  } else if (headers.expires !== undefined) {
    const expires = Date.parse(headers.expires);
    const date = headers.date !== undefined ? Date.parse(headers.date) : now;
    // RFC 9111 §5.3: an invalid Expires (e.g. "0") means already expired.
    lifetime = Number.isNaN(expires) ? 0 : expires - (Number.isNaN(date) ? now : date);
  } else {
    lifetime = DEFAULT_DOCUMENT_CACHE_MS;
  }
  return Math.min(MAX_DOCUMENT_CACHE_MS, Math.max(0, lifetime));
}

function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,10}$/.test(value) ? Number(value) : undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
