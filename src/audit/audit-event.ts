/**
 * The audit trail's events. Names are stable (dashboards and alerts key on them); fields hold
 * no personal data beyond the user's Entra object id (`oid`) and the client id, and never a
 * token, code or secret.
 */
export const AUDIT_EVENTS = [
  /** The user chose Allow on the consent page (before signing in: no `oid` yet). */
  'consent.given',
  /** The user chose Deny on the consent page. */
  'consent.denied',
  /** The user signed in at Entra after consenting: a grant (one user, one client) now exists. */
  'grant.created',
  /** A rotated-out refresh token was presented again outside the grace window (theft or a broken client). */
  'refresh_token.reuse_detected',
  /** A grant ended before its time, or at it; `by` says why. */
  'grant.revoked',
  /** A tool call was refused because the user lacks the app role or group the tool requires. */
  'tool_call.denied',
] as const;

export type AuditEventName = (typeof AUDIT_EVENTS)[number];

/** Who or what ended a grant. */
export type RevokedBy =
  /** The user, on the connected apps page (`/account`). */
  | 'user'
  /** The client, at `POST /revoke` (RFC 7009). */
  | 'client'
  /** A rotated-out refresh token was reused. */
  | 'reuse_detection'
  /** An authorization code was replayed (OAuth 2.1 §4.1.3). */
  | 'code_replay'
  /** Entra refused the upstream refresh, or holds no refresh token for an expired Entra session. */
  | 'entra_refusal'
  /** The client's metadata document no longer lists the redirect URI the grant was made for. */
  | 'redirect_uri_unlisted'
  /** GRANT_MAX_LIFETIME_DAYS reached (recorded when the ended grant is next seen). */
  | 'lifetime';

export interface AuditFields {
  /** Entra object id of the user, once known (not on the consent events: consent comes before sign-in). */
  oid?: string;
  clientId?: string;
  /** This server's internal grant handle (not a credential): ties the events of one grant together. */
  grantId?: string;
  by?: RevokedBy;
  tool?: string;
  /** The app roles or groups a denied tool call lacked (names of roles, object ids of groups). */
  missingRoles?: string[];
  missingGroups?: string[];
}

/** One recorded event. */
export interface AuditRecord extends AuditFields {
  event: AuditEventName;
  /** ISO 8601, UTC. */
  at: string;
  /** Order within the store (AUDIT_LOG=store only). */
  seq?: number;
}
