/**
 * The absolute expiry (epoch milliseconds) of a value written at `now` for `ttlMs`.
 * A TTL of zero or less is allowed (the value is expired at once: callers computing a
 * remaining lifetime need not special-case it); a non-finite TTL is a programming error.
 */
export function expiryFrom(now: number, ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw new RangeError(`Store TTL must be a finite number of milliseconds (got ${ttlMs})`);
  return now + Math.ceil(ttlMs);
}
