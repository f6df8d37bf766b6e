/** The signed-in user as Entra's id_token describes them. */
export interface EntraIdentity {
  /** Object id: the user's stable id across applications in the tenant (key users by this, not `sub`). */
  oid: string;
  /** Tenant id; always equals the configured tenant (checked). */
  tid: string;
  /** Display name. */
  name: string;
  /** Sign-in name, e.g. `adelev@contoso.com`. */
  preferredUsername: string;
  /**
   * App roles assigned to the user in this app registration (`roles` claim), e.g. `Tools.Admin`.
   * Empty when none are assigned (Entra then omits the claim).
   */
  roles: string[];
  /**
   * Object ids of the user's security groups (`groups` claim, when the app registration's
   * "groups claim" is configured). Empty when not configured or on group overage (more
   * groups than fit in a token: Entra then omits them, and group-gated tools are refused).
   */
  groups: string[];
}

/** Tokens from Entra's token endpoint. Held server-side only; never logged, never sent to MCP clients. */
export interface EntraTokenSet {
  identity: EntraIdentity;
  /** Access token for Microsoft Graph (`User.Read`). */
  accessToken: string;
  /** Present when Entra issued one (it does for `offline_access`). */
  refreshToken?: string;
  /** When the access token expires, epoch milliseconds. */
  expiresAt: number;
}

/**
 * The result of a refresh. Entra usually returns a new id_token and a new
 * (rotated) refresh token, but neither is guaranteed: `identity` is present only
 * when an id_token came back (validated like at sign-in, `tid` included), and when
 * `refreshToken` is absent the caller keeps using the one it has.
 */
export type EntraRefreshedTokenSet = Omit<EntraTokenSet, 'identity'> & { identity?: EntraIdentity };

/** Per-sign-in secrets created by the caller (the OAuth module) and kept until the callback. */
export interface EntraAuthorizationRequest {
  /** Opaque, random, single use: sent to Entra and checked on the callback. */
  state: string;
  /** Random: sent to Entra and checked in the id_token. */
  nonce: string;
  /** PKCE verifier (RFC 7636 §4.1: 43-128 characters); only its S256 challenge goes to Entra. */
  codeVerifier: string;
}

/**
 * The upstream OAuth client for Microsoft Entra ID (v2.0 endpoints, one tenant).
 * Port used by the OAuth module; bound to the openid-client implementation in EntraModule.
 * Failures reject with EntraError (EntraUnavailableError when Entra cannot be reached).
 */
export abstract class EntraClient {
  /** Origin of the authority, e.g. `https://login.microsoftonline.com` (for the consent page's CSP form-action). */
  abstract readonly authorityOrigin: string;

  /** Entra's authorize URL: code flow, PKCE S256, scopes `openid profile offline_access User.Read`, the configured redirect URI. */
  abstract buildAuthorizationUrl(request: EntraAuthorizationRequest): Promise<URL>;

  /** Redeems the code in Entra's redirect back (`callbackUrl`, the full URL with its query); validates state, id_token (issuer, audience, nonce, tenant). */
  abstract exchangeCode(callbackUrl: URL, request: EntraAuthorizationRequest): Promise<EntraTokenSet>;

  /** Uses a refresh token; Entra answers `invalid_grant` (EntraError) when it is expired or revoked. */
  abstract refresh(refreshToken: string): Promise<EntraRefreshedTokenSet>;
}
