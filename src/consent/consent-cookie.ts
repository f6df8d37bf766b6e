import { sha256 } from '../config/constant-time';

/** One approval: this browser's user allowed this client, at this redirect URI, these scopes. */
export interface ConsentApproval {
  application_id: string;
  /** SHA-256 hex of the exact redirect URI (keeps the cookie small and the URI out of it). */
  redirect_uri_hash: string;
  /** Sorted, space-separated. */
  scopes: string;
  /** Seconds since the epoch. */
  expires_on: number;
}

export interface CookieSigner {
  sign(data: string): string;
  verify(data: string, signature: string): boolean;
}

export const CONSENT_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
/** Browsers accept 4096 bytes per cookie; stay well under it (name and attributes count too). */
export const MAX_CONSENT_COOKIE_LENGTH = 3000;
export const MAX_APPROVALS = 12;

const VERSION = 'v1';

/** DESIGN.md "Consent cookie": the approvals as `v1.<base64url JSON>.<HMAC-SHA256>`. */
export function signConsent(approvals: readonly ConsentApproval[], signer: CookieSigner): string {
  const payload = Buffer.from(JSON.stringify(approvals)).toString('base64url');
  return `${VERSION}.${payload}.${signer.sign(`${VERSION}.${payload}`)}`;
}

/**
 * The live approvals in a consent cookie. A cookie whose signature does not verify (checked in
 * constant time by the signer), or that is malformed, counts as no approval at all;
 * expired approvals are dropped.
 */
export function verifyConsent(value: string | undefined, signer: CookieSigner, nowSeconds: number): ConsentApproval[] {
  if (!value || value.length > MAX_CONSENT_COOKIE_LENGTH * 2) return [];
  const [version, payload, signature, extra] = value.split('.');
  if (version !== VERSION || !payload || !signature || extra !== undefined) return [];
  if (!signer.verify(`${version}.${payload}`, signature)) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(isApproval).filter((a) => a.expires_on > nowSeconds);
  } catch {
    return [];
  }
}

function isApproval(value: unknown): value is ConsentApproval {
  const a = value as Partial<ConsentApproval> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.application_id === 'string' &&
    typeof a.redirect_uri_hash === 'string' &&
    typeof a.scopes === 'string' &&
    typeof a.expires_on === 'number'
  );
}

export function approvalFor(clientId: string, redirectUri: string, scopes: readonly string[], nowSeconds: number): ConsentApproval {
  return {
    application_id: clientId,
    redirect_uri_hash: sha256(redirectUri),
    scopes: [...scopes].sort().join(' '),
    expires_on: nowSeconds + CONSENT_LIFETIME_SECONDS,
  };
}

/** MCP security best practices (confused deputy): consent counts only for exactly this client, redirect URI and scopes. */
export function isApproved(approvals: readonly ConsentApproval[], clientId: string, redirectUri: string, scopes: readonly string[]): boolean {
  const redirectHash = sha256(redirectUri);
  const scopeKey = [...scopes].sort().join(' ');
  return approvals.some((a) => a.application_id === clientId && a.redirect_uri_hash === redirectHash && a.scopes === scopeKey);
}

/**
 * Adds an approval without dropping other clients' (several clients stay approved); replaces an
 * earlier approval of the same client and redirect URI; the oldest drop out first when the
 * cookie would grow past the cap.
 */
export function withApproval(approvals: readonly ConsentApproval[], approval: ConsentApproval, signer: CookieSigner): string {
  let list = [
    ...approvals.filter((a) => !(a.application_id === approval.application_id && a.redirect_uri_hash === approval.redirect_uri_hash)),
    approval,
  ].slice(-MAX_APPROVALS);
  let value = signConsent(list, signer);
  while (value.length > MAX_CONSENT_COOKIE_LENGTH && list.length > 1) {
    list = list.slice(1);
    value = signConsent(list, signer);
  }
  return value;
}

/** The approvals without any of `clientId`'s (the user revoked that client: the consent page must show again). */
export function withoutClient(approvals: readonly ConsentApproval[], clientId: string): ConsentApproval[] {
  return approvals.filter((a) => a.application_id !== clientId);
}
