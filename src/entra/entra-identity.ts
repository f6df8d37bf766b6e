import { EntraError } from './entra.errors';
import { EntraIdentity } from './entra-client.port';

/**
 * Maps validated id_token claims to an EntraIdentity. openid-client has already
 * checked signature, issuer, audience, expiry and nonce; this adds the checks
 * Entra-specific code needs: `tid` is our tenant (a token from another tenant
 * must never sign anyone in here), and `oid` is present (users are keyed by it).
 */
export function identityFromClaims(claims: Record<string, unknown>, expectedTenantId: string): EntraIdentity {
  const str = (name: string): string | undefined => (typeof claims[name] === 'string' && claims[name] !== '' ? (claims[name] as string) : undefined);
  const tid = str('tid');
  if (!tid || tid.toLowerCase() !== expectedTenantId.toLowerCase()) {
    throw new EntraError('invalid_response', 'The id_token was issued for another tenant (tid does not match AUTH_TENANT_ID)');
  }
  const oid = str('oid');
  if (!oid) {
    throw new EntraError('invalid_response', 'The id_token has no oid claim (request the profile scope)');
  }
  const preferredUsername = str('preferred_username') ?? str('upn') ?? str('email') ?? '';
  return { oid, tid, name: str('name') ?? preferredUsername, preferredUsername, roles: strings(claims.roles), groups: strings(claims.groups) };
}

/** A claim that should be an array of strings (`roles`, `groups`); anything else counts as none. */
export function strings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256))].slice(0, 500);
}
