const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * DNS-rebinding protection (MCP transports, "Security Warning"): a page on an
 * attacker's domain that resolves to this server sends its own name as `Host`.
 * Only the host of SERVER_URL is accepted (an explicit default port is the same host).
 */
export function isAllowedHost(presented: string | undefined, serverUrl: string): boolean {
  if (!presented) return false;
  const expected = new URL(serverUrl);
  let actual: URL;
  try {
    actual = new URL(`${expected.protocol}//${presented.trim()}`);
  } catch {
    return false;
  }
  if (actual.username || actual.password || actual.pathname !== '/' || actual.search || actual.hash) return false;
  const port = (url: URL) => url.port || DEFAULT_PORTS[url.protocol] || '';
  return actual.hostname === expected.hostname && port(actual) === port(expected);
}

/**
 * The host the client asked for: `X-Forwarded-Host` only behind a trusted proxy, and
 * then its last entry (the one our proxy added; earlier entries come from the client).
 */
export function presentedHost(headers: { host?: string; 'x-forwarded-host'?: string | string[] }, trustProxy: boolean | number | string): string | undefined {
  const forwarded = headers['x-forwarded-host'];
  if (trustProxy !== false && forwarded) {
    const last = [forwarded].flat().join(',').split(',').pop()?.trim();
    if (last) return last;
  }
  return headers.host;
}
