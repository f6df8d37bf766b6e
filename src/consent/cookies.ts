import type { CookieOptions } from 'express';

/**
 * Cookies of the authorization flow. On https they get the `__Host-` prefix (RFC 6265bis
 * §4.1.3.2: Secure, Path=/, no Domain, so no sibling subdomain can set or overwrite them).
 * `SameSite=Lax`: they must travel on the top-level navigations back from Entra.
 */
export function flowCookieName(base: string, serverUrl: string): string {
  return serverUrl.startsWith('https://') ? `__Host-${base}` : base;
}

export function flowCookieOptions(serverUrl: string, maxAgeMs?: number): CookieOptions {
  return {
    httpOnly: true,
    secure: serverUrl.startsWith('https://'),
    sameSite: 'lax',
    path: '/',
    ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }),
  };
}
