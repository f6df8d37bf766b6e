/**
 * A browser stand-in for e2e tests that drive OAuth flows over plain HTTP: keeps
 * cookies like a browser (host-scoped, ports shared, path and Secure honoured,
 * expiry and deletion applied) and follows redirects one hop at a time, so a
 * test can stop at the hop it wants to inspect (e.g. the redirect to a client's
 * redirect_uri carrying `code`). It does not model SameSite (every request counts
 * as same-site) nor run scripts.
 */

export interface StoredCookie {
  name: string;
  value: string;
  /** Host the cookie belongs to (host-only cookies; `Domain=` is stored but matched as host-only plus subdomains). */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
  /** Epoch ms; undefined for session cookies. */
  expiresAt?: number;
}

export interface FollowOptions {
  /** Stop before requesting a redirect target for which this is true (the target is returned as `url`). */
  stopAt?: (url: URL) => boolean;
  /** Request options for the first hop (method, body, headers). Later hops follow the status code's rules. */
  init?: RequestInit;
  maxRedirects?: number;
}

export interface FollowResult {
  /** The last response fetched (the redirect pointing at `url` when stopped). */
  response: Response;
  /** The URL where following ended: the stopped-at target, or the last URL fetched. */
  url: URL;
  /** True when `stopAt` matched. */
  stopped: boolean;
  /** Every URL requested, in order. */
  visited: URL[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function defaultPath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/';
  return path.slice(0, path.lastIndexOf('/'));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** Parses one Set-Cookie header (RFC 6265 §5.2) for the request URL; undefined if it must be ignored. */
export function parseSetCookie(header: string, requestUrl: URL, now = Date.now()): StoredCookie | undefined {
  const [pair, ...attributes] = header.split(';');
  const eq = pair!.indexOf('=');
  if (eq < 1) return undefined;
  const cookie: StoredCookie = {
    name: pair!.slice(0, eq).trim(),
    value: pair!.slice(eq + 1).trim(),
    domain: requestUrl.hostname,
    hostOnly: true,
    path: defaultPath(requestUrl),
    secure: false,
    httpOnly: false,
  };
  let maxAge: number | undefined;
  let expires: number | undefined;
  for (const attribute of attributes) {
    const [rawKey, ...rest] = attribute.split('=');
    const key = rawKey!.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'path' && value.startsWith('/')) cookie.path = value;
    else if (key === 'domain' && value) {
      const domain = value.replace(/^\./, '').toLowerCase();
      if (requestUrl.hostname !== domain && !requestUrl.hostname.endsWith(`.${domain}`)) return undefined;
      cookie.domain = domain;
      cookie.hostOnly = false;
    } else if (key === 'secure') cookie.secure = true;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'samesite') cookie.sameSite = value;
    else if (key === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
    else if (key === 'expires' && !Number.isNaN(Date.parse(value))) expires = Date.parse(value);
  }
  if (cookie.secure && requestUrl.protocol !== 'https:' && !['localhost', '127.0.0.1'].includes(requestUrl.hostname)) return undefined;
  if (cookie.name.startsWith('__Host-') && (!cookie.secure || !cookie.hostOnly || cookie.path !== '/')) return undefined;
  if (maxAge !== undefined) cookie.expiresAt = now + maxAge * 1000;
  else if (expires !== undefined) cookie.expiresAt = expires;
  return cookie;
}

export class CookieJarClient {
  private jar: StoredCookie[] = [];

  /**
   * fetch() with this jar's cookies and without automatic redirects
   * (`redirect: 'manual'`): the response's Set-Cookie headers are stored.
   */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target);
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.store(response, target);
    return response;
  }

  /**
   * Follows redirects hop by hop like a browser: 301/302/303 turn into GET without
   * body, 307/308 repeat the request. Stops before a target matching `stopAt`.
   */
  async followRedirects(url: string | URL, options: FollowOptions = {}): Promise<FollowResult> {
    const visited: URL[] = [];
    let current = new URL(url);
    let init: RequestInit = options.init ?? {};
    const max = options.maxRedirects ?? 20;
    for (let hop = 0; ; hop += 1) {
      visited.push(current);
      const response = await this.fetch(current, init);
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || !location) return { response, url: current, stopped: false, visited };
      const next = new URL(location, current);
      if (options.stopAt?.(next)) {
        await response.body?.cancel();
        return { response, url: next, stopped: true, visited };
      }
      if (hop >= max) throw new Error(`more than ${max} redirects, last to ${next.origin}${next.pathname}`);
      await response.body?.cancel();
      init = response.status === 307 || response.status === 308 ? init : { method: 'GET', headers: stripBodyHeaders(init.headers) };
      current = next;
    }
  }

  /** Name → value of the cookies this jar would send to `url` (an origin means path `/`). */
  cookies(url: string | URL): Record<string, string> {
    const target = new URL(url);
    return Object.fromEntries(this.matching(target).map((c) => [c.name, c.value]));
  }

  /** Every stored, unexpired cookie with its attributes. */
  all(): StoredCookie[] {
    this.expire();
    return this.jar.map((c) => ({ ...c }));
  }

  /** Sets a cookie as if `url` had sent `Set-Cookie: <header>` (e.g. to plant a forged cookie). */
  setCookie(header: string, url: string | URL): void {
    const cookie = parseSetCookie(header, new URL(url));
    if (cookie) this.put(cookie);
  }

  /** Removes cookies by name (and host), or all. */
  clear(name?: string, host?: string): void {
    this.jar = this.jar.filter((c) => (name !== undefined && c.name !== name) || (host !== undefined && c.domain !== host));
  }

  private cookieHeader(url: URL): string {
    return this.matching(url)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private matching(url: URL): StoredCookie[] {
    this.expire();
    const host = url.hostname;
    const secureContext = url.protocol === 'https:' || ['localhost', '127.0.0.1'].includes(host);
    return this.jar
      .filter((c) => (c.hostOnly ? c.domain === host : host === c.domain || host.endsWith(`.${c.domain}`)))
      .filter((c) => pathMatches(url.pathname, c.path))
      .filter((c) => !c.secure || secureContext)
      .sort((a, b) => b.path.length - a.path.length);
  }

  private store(response: Response, url: URL): void {
    for (const header of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(header, url);
      if (cookie) this.put(cookie);
    }
  }

  private put(cookie: StoredCookie): void {
    this.jar = this.jar.filter((c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path));
    if (cookie.expiresAt === undefined || cookie.expiresAt > Date.now()) this.jar.push(cookie);
  }

  private expire(): void {
    const now = Date.now();
    this.jar = this.jar.filter((c) => c.expiresAt === undefined || c.expiresAt > now);
  }
}

function stripBodyHeaders(headers: RequestInit['headers']): Headers {
  const out = new Headers(headers);
  out.delete('content-type');
  out.delete('content-length');
  return out;
}
