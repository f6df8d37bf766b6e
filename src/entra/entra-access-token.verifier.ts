import { Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, JWTPayload, jwtVerify } from 'jose';
import { AppConfig } from '../config/app-config';
import { InvalidTokenError } from '../shared/access-token-verifier.port';
import { DIRECT_GRANT_PREFIX, UserContext, withEntraAssertion } from '../shared/user-context';
import { SCOPES } from '../shared/scopes';
import { EntraDiscovery } from './entra-discovery';
import { EntraUnavailableError } from './entra.errors';
import { strings } from './entra-identity';

/** A valid Entra token for this API that lacks the API's delegated scope (403 `insufficient_scope`). */
export class EntraScopeMissingError extends Error {
  constructor(readonly requiredScope: string) {
    super(`The access token lacks the scope ${requiredScope}.`);
    this.name = 'EntraScopeMissingError';
  }
}

/** Allowed clock skew for `exp` and `nbf` (RFC 7519 §4.1.4 leaves it to the verifier). */
const CLOCK_TOLERANCE_SECONDS = 60;
/** Keys are refetched at the latest after this long, even when every `kid` is known. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

/** A compact JWS: three base64url parts. Our own tokens never look like this. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/**
 * Validates Microsoft Entra ID access tokens issued for this API (AUTH_MODE direct or both),
 * the job the archived Azure AD passport package's BearerStrategy used to do:
 * signature RS256 only, against the tenant's JWKS from discovery (cached; an unknown `kid`
 * refetches once, then not again within the cooldown); `iss` exactly the tenant's v2.0 issuer;
 * `ver` 2.0; `tid` the configured tenant; `aud` the API's Application ID URI or client id;
 * `exp`/`nbf` with a small skew; the API's scope in `scp` (delegated). App-only tokens (`roles`,
 * no `scp`) pass only when AUTH_APP_ONLY_ROLE names one of their roles.
 */
@Injectable()
export class EntraAccessTokenVerifier {
  private readonly logger = new Logger(EntraAccessTokenVerifier.name);
  private keys?: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly config: AppConfig,
    private readonly discovery: EntraDiscovery,
  ) {}

  async verify(token: string): Promise<UserContext> {
    if (!looksLikeJwt(token)) throw new InvalidTokenError();
    const keys = await this.jwks();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer: this.config.entra.issuer,
        audience: this.config.entraApi.audiences,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'tid', 'ver'],
      }));
    } catch (error) {
      // Entra's keys could not be fetched: the token is not at fault, so no 401.
      if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || !(error instanceof joseErrors.JOSEError)) {
        throw new EntraUnavailableError("Entra's signing keys could not be fetched");
      }
      if (error instanceof joseErrors.JOSEError) {
        this.logger.debug({ msg: 'Entra access token refused', reason: error.code });
        throw new InvalidTokenError();
      }
      throw error;
    }
    return this.userContext(payload, token);
  }

  private userContext(claims: JWTPayload, token: string): UserContext {
    const api = this.config.entraApi;
    // v1.0 tokens have another issuer and claim set; only v2.0 is accepted (Entra: accessTokenAcceptedVersion 2).
    if (claims.ver !== '2.0') throw new InvalidTokenError();
    if (claims.tid !== this.config.entra.tenantId) throw new InvalidTokenError();
    const oid = text(claims.oid);
    const clientId = text(claims.azp);
    if (!oid || !clientId) throw new InvalidTokenError();

    let scopes: string[];
    if (typeof claims.scp === 'string') {
      if (!claims.scp.split(' ').includes(api.scope)) throw new EntraScopeMissingError(api.fullScope);
      // The API scope stands for this server's tools and, through On-Behalf-Of, the user's Graph profile.
      scopes = [SCOPES.tools, SCOPES.userRead];
    } else {
      // App-only (client credentials): no user behind it, so no Graph on the user's behalf.
      const roles = Array.isArray(claims.roles) ? claims.roles : [];
      if (!api.appOnlyRole || !roles.includes(api.appOnlyRole)) throw new InvalidTokenError();
      scopes = [SCOPES.tools];
    }
    const user: UserContext = {
      oid,
      tid: this.config.entra.tenantId,
      name: text(claims.name) ?? (typeof claims.scp === 'string' ? '' : clientId),
      preferredUsername: text(claims.preferred_username) ?? text(claims.upn) ?? '',
      clientId,
      scopes,
      grantId: `${DIRECT_GRANT_PREFIX}${clientId}:${oid}`,
      // App roles and security groups come with the access token itself (per-tool authorization reads them).
      roles: strings(claims.roles),
      groups: strings(claims.groups),
    };
    return typeof claims.scp === 'string' ? withEntraAssertion(user, token) : user;
  }

  private async jwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!this.keys) {
      const { jwksUri } = await this.discovery.metadata();
      this.keys = createRemoteJWKSet(new URL(jwksUri), {
        // An unknown `kid` (Entra rotated its keys) refetches once; no new fetch within the cooldown.
        cooldownDuration: this.config.entraApi.jwksCooldownSeconds * 1000,
        cacheMaxAge: JWKS_MAX_AGE_MS,
        timeoutDuration: 10_000,
      });
    }
    return this.keys;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
