import type { EntraIdentity } from '../entra/entra-client.port';

/**
 * What the authorization flow keeps in the store, by namespace. Secrets (codes, tokens, state)
 * are keys only as SHA-256 hashes; Entra tokens only encrypted (AES-256-GCM, AAD = grant id).
 */

/** A validated `/authorize` request (after phase 1 and 2), waiting for consent or for Entra. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  /** Whether `redirect_uri` was in the request: then `/token` must repeat it (RFC 6749 §4.1.3). */
  redirectUriGiven: boolean;
  scopes: string[];
  /** The client's own `state`: only echoed back to the client. */
  state?: string;
  codeChallenge: string;
  /** Canonical resource the tokens will be bound to (`${origin}/`). */
  resource: string;
}

/**
 * `upstream:<sha256(state)>`: the sign-in at Entra in progress (single use, 10 minutes): for an
 * MCP client's authorization request (`purpose` absent in records written before accounts
 * existed), or for the user's own connected apps page.
 */
export type UpstreamAuthorization =
  | { purpose?: 'authorize'; request: AuthorizationRequest; nonce: string; codeVerifier: string }
  | { purpose: 'account'; nonce: string; codeVerifier: string };

/** Entra's tokens for a grant, sealed in `GrantRecord.upstream`. */
export interface UpstreamTokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** `grant:<id>`: one user's authorization of one client. Deleting it revokes every token of it. */
export interface GrantRecord {
  id: string;
  clientId: string;
  identity: EntraIdentity;
  scopes: string[];
  resource: string;
  /**
   * The redirect URI the grant was authorized for. A client whose registration can change (a
   * metadata document) keeps its grant only while it still lists this URI; the connected apps page
   * shows its host. Absent on older grants.
   */
  redirectUri?: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms: GRANT_MAX_LIFETIME_DAYS after creation, whatever happens. */
  expiresAt: number;
  /** False until its authorization code is redeemed (then it lives to expiresAt). */
  active: boolean;
  /** Whether refresh tokens are issued (client registered the refresh_token grant). */
  offline: boolean;
  /** `UpstreamTokenSet` JSON sealed with SigningKeysService.encrypt (context = grant id). */
  upstream: string;
}

/** `code:<sha256(code)>`: this server's authorization code (single use, ≤ 10 minutes). */
export interface AuthorizationCodeRecord {
  grantId: string;
  clientId: string;
  redirectUri: string;
  redirectUriGiven: boolean;
  codeChallenge: string;
  resource: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** `code-used:<sha256(code)>`: left by a redeemed code until it would have expired. */
export interface UsedCodeMarker {
  grantId: string;
}

/** `at:<sha256(token)>` */
export interface AccessTokenRecord {
  grantId: string;
  clientId: string;
  scopes: string[];
  resource: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** The pair returned for a refresh, kept (encrypted under the old token) for the grace-window retry. */
export interface IssuedPair {
  accessToken: string;
  /** Absent for clients not registered for the refresh_token grant. */
  refreshToken?: string;
  /** Epoch ms. */
  accessExpiresAt: number;
  scopes: string[];
}

/** `rt:<sha256(token)>` */
export interface RefreshTokenRecord {
  grantId: string;
  clientId: string;
  scopes: string[];
  resource: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Set once the token has been used: it may then only be retried within the grace window. */
  rotated?: {
    /** Epoch ms. */
    at: number;
    successorHash: string;
    /** `IssuedPair` JSON sealed under a key derived from this (old) refresh token. */
    sealedPair: string;
  };
}
