import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { sha256 } from '../config/constant-time';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import { AUTHORIZATION_CODE_TTL_MS } from './grant.service';
import type { AuthorizationCodeRecord, AuthorizationRequest, UsedCodeMarker } from './oauth.records';

/**
 * This server's authorization codes: 256-bit random, stored only as SHA-256, single use,
 * 5 minutes (OAuth 2.1 §4.1.2: short-lived, at most 10 minutes), bound to client, redirect
 * URI, PKCE challenge and resource. A redeemed code leaves a marker until it would have
 * expired, so a replay is recognised (OAuth 2.1 §4.1.3: revoke what the code issued).
 */
@Injectable()
export class AuthorizationCodeService {
  private readonly codes: JsonStore<AuthorizationCodeRecord>;
  private readonly used: JsonStore<UsedCodeMarker>;

  constructor(store: Store) {
    this.codes = new JsonStore<AuthorizationCodeRecord>(store, 'code');
    this.used = new JsonStore<UsedCodeMarker>(store, 'code-used');
  }

  async issue(grantId: string, request: AuthorizationRequest): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await this.codes.set(
      sha256(code),
      {
        grantId,
        clientId: request.clientId,
        redirectUri: request.redirectUri,
        redirectUriGiven: request.redirectUriGiven,
        codeChallenge: request.codeChallenge,
        resource: request.resource,
        expiresAt: Date.now() + AUTHORIZATION_CODE_TTL_MS,
      },
      AUTHORIZATION_CODE_TTL_MS,
    );
    return code;
  }

  find(code: string): Promise<AuthorizationCodeRecord | null> {
    return this.codes.get(sha256(code));
  }

  /** The marker of a code that was already redeemed, if it has not expired yet. */
  findUsed(code: string): Promise<UsedCodeMarker | null> {
    return this.used.get(sha256(code));
  }

  /**
   * Redeems the code exactly once: leaves the used marker (set-if-absent, so of two concurrent
   * redemptions only one wins) and deletes the code. False if someone redeemed it first.
   */
  async redeem(code: string, record: AuthorizationCodeRecord): Promise<boolean> {
    const key = sha256(code);
    const ttl = Math.max(1000, record.expiresAt - Date.now());
    if (!(await this.used.create(key, { grantId: record.grantId }, ttl))) return false;
    return (await this.codes.take(key)) !== null;
  }
}
