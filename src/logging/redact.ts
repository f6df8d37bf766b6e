/** Query and body fields whose values are secrets or single-use credentials. */
export const SECRET_FIELDS = [
  'code',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'code_verifier',
  'client_secret',
  'state',
  'nonce',
  'password',
  'assertion',
] as const;

const SECRET_SET = new Set<string>(SECRET_FIELDS);
export const REDACTED = '[REDACTED]';

/** Replaces secret query parameter values in a path or URL (`/cb?code=abc` → `/cb?code=[REDACTED]`). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeURIComponentSafe(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      return SECRET_SET.has(name) ? `${pair.slice(0, eq < 0 ? pair.length : eq)}=${REDACTED}` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** A shallow copy of a request/response body with secret fields replaced. */
export function redactBody(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) out[k] = SECRET_SET.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
