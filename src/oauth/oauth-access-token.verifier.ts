import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AccessTokenVerifier, InvalidTokenError } from '../shared/access-token-verifier.port';
import { canonicalResource } from './checks/resource';
import { GrantService } from './grant.service';
import { GrantUsageService } from './grant-usage.service';
import { TokenService } from './token.service';
import { UpstreamSignInRequiredError, UpstreamTokens } from './upstream-tokens';
import type { UserContext } from '../shared/user-context';

/** Our tokens are 32 random bytes, base64url: anything else is not worth a store read. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Verifies this server's opaque access tokens in O(1): one SHA-256, two store reads (token,
 * grant). Checks expiry, audience (RFC 8707: the token's resource is this server) and that the
 * grant is alive (not revoked, not past GRANT_MAX_LIFETIME_DAYS). Entra tokens never pass:
 * they are not in the store (no token passthrough).
 *
 * When the grant's Entra access token has expired, it is refreshed here, before the request
 * reaches a tool: if Entra refuses (the user's Microsoft session has ended), the grant is revoked
 * and this very request is answered like any invalid token (401 `invalid_token`), so the client
 * signs in again at once instead of receiving a tool error.
 */
@Injectable()
export class OAuthAccessTokenVerifier extends AccessTokenVerifier {
  private readonly resource: string;

  constructor(
    private readonly tokens: TokenService,
    private readonly grants: GrantService,
    private readonly upstream: UpstreamTokens,
    private readonly usage: GrantUsageService,
    config: AppConfig,
  ) {
    super();
    this.resource = canonicalResource(config.serverOrigin);
  }

  async verify(token: string): Promise<UserContext> {
    if (!TOKEN_SHAPE.test(token)) throw new InvalidTokenError();
    const record = await this.tokens.findAccessToken(token);
    if (!record || record.resource !== this.resource) throw new InvalidTokenError();
    const grant = await this.grants.find(record.grantId);
    if (!grant || grant.clientId !== record.clientId) throw new InvalidTokenError();
    try {
      await this.upstream.refreshIfExpired(grant);
    } catch (error) {
      if (error instanceof UpstreamSignInRequiredError) throw new InvalidTokenError('The Microsoft sign-in behind this token has ended; sign in again.');
      throw error;
    }
    this.usage.touch(grant);
    return {
      oid: grant.identity.oid,
      tid: grant.identity.tid,
      name: grant.identity.name,
      preferredUsername: grant.identity.preferredUsername,
      clientId: grant.clientId,
      scopes: record.scopes,
      grantId: grant.id,
      // Grants stored before roles and groups were kept have neither.
      roles: grant.identity.roles ?? [],
      groups: grant.identity.groups ?? [],
    };
  }
}
