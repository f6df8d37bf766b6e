/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): either delay-seconds or
 * an HTTP-date. Returns the delay in milliseconds (never negative), or undefined
 * when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date names a weekday and a month; bare numbers such as "-1" are not dates.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
