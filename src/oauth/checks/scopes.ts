import { SUPPORTED_SCOPES } from '../../shared/scopes';

export type ScopeParseResult = { ok: true; scopes: string[] } | { ok: false; unknown: string[] };

/** Accepted and ignored: refresh tokens follow the client's registered grant types. */
const IGNORED_SCOPES = new Set(['offline_access']);

/**
 * DESIGN.md "Scopes" (RFC 6749 §3.3): a missing or empty scope means every offered scope;
 * `offline_access` is accepted and ignored; anything else is `invalid_scope`. The result is
 * sorted and de-duplicated, so equal requests compare equal (consent cookie).
 */
export function parseRequestedScopes(scope: string | undefined): ScopeParseResult {
  const requested = (scope ?? '').split(' ').filter((s) => s.length > 0);
  const unknown = requested.filter((s) => !SUPPORTED_SCOPES.includes(s) && !IGNORED_SCOPES.has(s));
  if (unknown.length > 0) return { ok: false, unknown };
  const granted = [...new Set(requested.filter((s) => SUPPORTED_SCOPES.includes(s)))];
  return { ok: true, scopes: (granted.length === 0 ? [...SUPPORTED_SCOPES] : granted).sort() };
}
