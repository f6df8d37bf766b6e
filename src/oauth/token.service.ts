import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { AppConfig } from '../config/app-config';
import { constantTimeEqual, sha256 } from '../config/constant-time';
import { SigningKeysService } from '../config/signing-keys.service';
import type { RegisteredClient } from '../client-registry/registered-client';
import { JsonStore } from '../store/json-store';
import { Store, StoreEntry } from '../store/store.port';
import { AuthorizationCodeService } from './authorization-code.service';
import { verifyPkceS256 } from './checks/pkce';
import { isThisServerResource } from './checks/resource';
import { parseRequestedScopes } from './checks/scopes';
import { OAuthError, OAuthErrorCode } from '../shared/oauth-errors';
import { GrantService } from './grant.service';
import type { AccessTokenRecord, GrantRecord, IssuedPair, RefreshTokenRecord } from './oauth.records';
import { UpstreamSignInRequiredError, UpstreamTokens } from './upstream-tokens';
import { DAY_MS } from '../shared/time';


/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

export interface CodeExchange {
  code?: string;
  codeVerifier?: string;
  redirectUri?: string;
  resource?: string;
}

export interface RefreshExchange {
  refreshToken?: string;
  scope?: string;
  resource?: string;
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const invalidGrant = (description: string) => new OAuthError(OAuthErrorCode.InvalidGrant, description);
const redirectUriGone = () =>
  invalidGrant('The application no longer lists the redirect URI this authorization was made for; the authorization has been revoked, please sign in again.');

/**
 * Issues, rotates and revokes this server's tokens. Access and refresh tokens are opaque
 * 256-bit random strings stored only as SHA-256 hashes; every token names its grant, and a
 * token is only good while its grant lives.
 */
@Injectable()
export class TokenService {
  private readonly accessTokens: JsonStore<AccessTokenRecord>;
  private readonly refreshTokens: JsonStore<RefreshTokenRecord>;

  constructor(
    private readonly store: Store,
    private readonly config: AppConfig,
    private readonly keys: SigningKeysService,
    private readonly grants: GrantService,
    private readonly codes: AuthorizationCodeService,
    private readonly upstream: UpstreamTokens,
    private readonly audit: AuditTrail,
  ) {
    this.accessTokens = new JsonStore<AccessTokenRecord>(store, 'at');
    this.refreshTokens = new JsonStore<RefreshTokenRecord>(store, 'rt');
  }

  /** `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 8707 §2.2). */
  async exchangeCode(client: RegisteredClient, params: CodeExchange): Promise<TokenResponse> {
    if (!params.code) throw new OAuthError(OAuthErrorCode.InvalidRequest, 'code is required.');
    if (!params.codeVerifier) throw new OAuthError(OAuthErrorCode.InvalidRequest, 'code_verifier is required (PKCE).');
    const record = await this.codes.find(params.code);
    if (!record) {
      const used = await this.codes.findUsed(params.code);
      if (used) {
        // OAuth 2.1 §4.1.3: a replayed code revokes the tokens it issued.
        await this.grants.revoke(used.grantId, 'code_replay');
        throw invalidGrant('The authorization code was already used; the tokens it issued have been revoked.');
      }
      throw invalidGrant('The authorization code is invalid or has expired.');
    }
    // Checks before consuming: a request that fails them does not burn the client's code.
    if (!constantTimeEqual(record.clientId, client.client_id)) throw invalidGrant('The authorization code was issued to another client.');
    if ((record.redirectUriGiven || params.redirectUri !== undefined) && params.redirectUri !== record.redirectUri) {
      throw invalidGrant('redirect_uri does not match the one of the authorization request.');
    }
    if (!verifyPkceS256(params.codeVerifier, record.codeChallenge)) throw invalidGrant('PKCE verification failed: code_verifier does not match.');
    if (!client.redirect_uris.includes(record.redirectUri)) {
      await this.grants.revoke(record.grantId, 'redirect_uri_unlisted');
      throw redirectUriGone();
    }
    if (params.resource !== undefined && !isThisServerResource(params.resource, this.config.serverOrigin)) {
      throw new OAuthError(OAuthErrorCode.InvalidTarget, 'The requested resource is not this server.');
    }
    if (!(await this.codes.redeem(params.code, record))) {
      await this.grants.revoke(record.grantId, 'code_replay');
      throw invalidGrant('The authorization code was already used; the tokens it issued have been revoked.');
    }
    const grant = await this.grants.activate(record.grantId);
    if (!grant) throw invalidGrant('The authorization has expired or was revoked.');
    return this.respond(await this.issuePair(grant, grant.scopes));
  }

  /**
   * `grant_type=refresh_token` with rotation (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2) and the grace
   * rule of DESIGN.md: the rotated-out token, presented again before its successor is used and
   * within REFRESH_GRACE_SECONDS, returns the same successor pair; any other reuse revokes the grant.
   */
  async refresh(client: RegisteredClient, params: RefreshExchange): Promise<TokenResponse> {
    if (!params.refreshToken) throw new OAuthError(OAuthErrorCode.InvalidRequest, 'refresh_token is required.');
    if (!client.grant_types.includes('refresh_token')) {
      throw new OAuthError(OAuthErrorCode.UnauthorizedClient, 'This client is not registered for the refresh_token grant.');
    }
    if (params.resource !== undefined && !isThisServerResource(params.resource, this.config.serverOrigin)) {
      throw new OAuthError(OAuthErrorCode.InvalidTarget, 'The requested resource is not this server.');
    }
    const token = params.refreshToken;
    const hash = sha256(token);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.refreshTokens.getRaw(hash);
      if (!current || current.value.expiresAt <= Date.now()) throw invalidGrant('The refresh token is invalid, expired or revoked.');
      const record = current.value;
      if (!constantTimeEqual(record.clientId, client.client_id)) throw invalidGrant('The refresh token was issued to another client.');
      const scopes = this.narrowScopes(record.scopes, params.scope);
      const grant = await this.grants.find(record.grantId);
      if (!grant) throw invalidGrant('The authorization has expired or was revoked.');
      // A metadata document may change: the grant survives only while it still lists the redirect URI it was made for.
      if (grant.redirectUri !== undefined && !client.redirect_uris.includes(grant.redirectUri)) {
        await this.grants.revoke(grant.id, 'redirect_uri_unlisted');
        throw redirectUriGone();
      }

      if (record.rotated) return this.respond(await this.retryRotated(token, record, grant));

      await this.refreshUpstreamIfExpired(grant);
      const { pair, writes, refreshHash } = this.newPair(grant, scopes);
      const rotated: RefreshTokenRecord = {
        ...record,
        rotated: {
          at: Date.now(),
          successorHash: refreshHash!,
          sealedPair: this.keys.encrypt(JSON.stringify(pair), `rt:${hash}`, token),
        },
      };
      // One atomic step: the new pair is stored if and only if this rotation wins.
      if (await this.refreshTokens.replace(hash, current.raw, rotated, Math.max(1, record.expiresAt - Date.now()), writes)) return this.respond(pair);
      // Someone rotated it concurrently (nothing of ours was stored): answer like a retry.
    }
    throw new OAuthError(OAuthErrorCode.TemporarilyUnavailable, 'The refresh token is being used concurrently; please retry.');
  }

  /** RFC 7009 §2.1: revokes the grant behind an access or refresh token of this client; unknown tokens are fine. */
  async revoke(client: RegisteredClient, token: string): Promise<void> {
    const hash = sha256(token);
    const record = (await this.accessTokens.get(hash)) ?? (await this.refreshTokens.get(hash));
    if (!record) return;
    if (!constantTimeEqual(record.clientId, client.client_id)) {
      // RFC 7009 §2.1: only the client the token was issued to may revoke it.
      throw new OAuthError(OAuthErrorCode.InvalidRequest, 'The token was not issued to this client.');
    }
    await this.accessTokens.delete(hash);
    await this.refreshTokens.delete(hash);
    await this.grants.revoke(record.grantId, 'client');
  }

  /** The live access token record for a bearer token, or null. One hash, one store read. */
  async findAccessToken(token: string): Promise<AccessTokenRecord | null> {
    const record = await this.accessTokens.get(sha256(token));
    return record && record.expiresAt > Date.now() ? record : null;
  }

  /** DESIGN.md: when Entra refuses the upstream refresh the grant is revoked, and so is the client's refresh. */
  private async refreshUpstreamIfExpired(grant: GrantRecord): Promise<void> {
    try {
      await this.upstream.refreshIfExpired(grant);
    } catch (error) {
      if (error instanceof UpstreamSignInRequiredError) throw invalidGrant('The Microsoft sign-in behind this authorization has ended; please sign in again.');
      throw error;
    }
  }

  private async retryRotated(token: string, record: RefreshTokenRecord, grant: GrantRecord): Promise<IssuedPair> {
    const rotated = record.rotated!;
    const withinGrace = Date.now() - rotated.at <= this.config.refreshGraceSeconds * 1000;
    const successor = withinGrace ? await this.refreshTokens.get(rotated.successorHash) : null;
    const plain = successor && !successor.rotated ? this.keys.decrypt(rotated.sealedPair, `rt:${sha256(token)}`, token) : null;
    if (plain === null) {
      // RFC 9700 §4.14.2: reuse of a rotated refresh token means it leaked; end the grant.
      await this.audit.record('refresh_token.reuse_detected', { oid: grant.identity.oid, clientId: record.clientId, grantId: record.grantId });
      await this.grants.revoke(record.grantId, 'reuse_detection');
      throw invalidGrant('The refresh token was already used; the authorization has been revoked.');
    }
    return JSON.parse(plain) as IssuedPair;
  }

  /** RFC 6749 §6: a refresh may ask for fewer scopes, never more. */
  private narrowScopes(granted: string[], scope: string | undefined): string[] {
    if (scope === undefined) return granted;
    const parsed = parseRequestedScopes(scope);
    if (!parsed.ok || !parsed.scopes.every((s) => granted.includes(s)) || scope.trim() === '') {
      throw new OAuthError(OAuthErrorCode.InvalidScope, 'A refresh may not ask for scopes beyond the original grant.');
    }
    return parsed.scopes;
  }

  private async issuePair(grant: GrantRecord, scopes: string[]): Promise<IssuedPair> {
    const { pair, writes } = this.newPair(grant, scopes);
    for (const write of writes) await this.store.set(write.key, write.value, write.ttlMs);
    return pair;
  }

  /** New tokens for the grant and the store writes that make them valid (only their hashes are stored). */
  private newPair(grant: GrantRecord, scopes: string[]): { pair: IssuedPair; writes: StoreEntry[]; refreshHash?: string } {
    const now = Date.now();
    const grantLeft = grant.expiresAt - now;
    const accessTtl = Math.min(this.config.accessTokenTtlSeconds * 1000, grantLeft);
    const accessToken = newToken();
    const writes = [
      this.accessTokens.entry(
        sha256(accessToken),
        { grantId: grant.id, clientId: grant.clientId, scopes, resource: grant.resource, expiresAt: now + accessTtl },
        accessTtl,
      ),
    ];
    const pair: IssuedPair = { accessToken, accessExpiresAt: now + accessTtl, scopes };
    if (!grant.offline) return { pair, writes };
    const refreshTtl = Math.min(this.config.refreshTokenTtlDays * DAY_MS, grantLeft);
    const refreshToken = newToken();
    const refreshHash = sha256(refreshToken);
    writes.push(
      this.refreshTokens.entry(
        refreshHash,
        { grantId: grant.id, clientId: grant.clientId, scopes: grant.scopes, resource: grant.resource, expiresAt: now + refreshTtl },
        refreshTtl,
      ),
    );
    pair.refreshToken = refreshToken;
    return { pair, writes, refreshHash };
  }

  private respond(pair: IssuedPair): TokenResponse {
    return {
      access_token: pair.accessToken,
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.round((pair.accessExpiresAt - Date.now()) / 1000)),
      ...(pair.refreshToken ? { refresh_token: pair.refreshToken } : {}),
      scope: pair.scopes.join(' '),
    };
  }
}
