import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SigningKeysService } from '../config/signing-keys.service';
import type { EntraTokenSet } from '../entra/entra-client.port';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import { GrantLiveness } from './grant-liveness';
import type { AuthorizationRequest, GrantRecord, UpstreamTokenSet } from './oauth.records';
import { DAY_MS } from '../shared/time';
import { isDirectGrantId } from './user-context';

/** An unredeemed grant disappears with its authorization code. */
export const AUTHORIZATION_CODE_TTL_MS = 5 * 60 * 1000;

/**
 * Grants: one user's authorization of one client, holding the Entra tokens (encrypted,
 * AES-256-GCM, AAD = grant id). Deleting the grant revokes every token issued for it,
 * because token verification and refresh both read the grant.
 */
@Injectable()
export class GrantService implements GrantLiveness {
  private readonly logger = new Logger(GrantService.name);
  private readonly grants: JsonStore<GrantRecord>;

  constructor(
    store: Store,
    private readonly config: AppConfig,
    private readonly keys: SigningKeysService,
  ) {
    this.grants = new JsonStore<GrantRecord>(store, 'grant');
  }

  /** A new, not yet active grant: it lives only as long as the authorization code that will activate it. */
  async create(request: AuthorizationRequest, tokens: EntraTokenSet, offline: boolean): Promise<GrantRecord> {
    const id = randomBytes(16).toString('base64url');
    const now = Date.now();
    const grant: GrantRecord = {
      id,
      clientId: request.clientId,
      identity: tokens.identity,
      scopes: request.scopes,
      resource: request.resource,
      redirectUri: request.redirectUri,
      createdAt: now,
      expiresAt: now + this.config.grantMaxLifetimeDays * DAY_MS,
      active: false,
      offline,
      upstream: this.seal(id, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt }),
    };
    await this.grants.set(id, grant, AUTHORIZATION_CODE_TTL_MS);
    return grant;
  }

  /** Marks the grant active (its code was redeemed) for the rest of its lifetime; null if it is gone. */
  async activate(id: string): Promise<GrantRecord | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.grants.getRaw(id);
      if (!current) return null;
      if (current.value.active) return current.value;
      const next = { ...current.value, active: true };
      if (await this.grants.replace(id, current.raw, next, this.remainingMs(next))) return next;
    }
    return null;
  }

  /** The live grant (active, not expired), or null. */
  async find(id: string): Promise<GrantRecord | null> {
    const grant = await this.grants.get(id);
    return grant && grant.active && grant.expiresAt > Date.now() ? grant : null;
  }

  /** GrantLiveness: whether `find` would return the grant. */
  async isActive(id: string): Promise<boolean> {
    // Entra-issued tokens (AUTH_MODE direct/both) have no grant here: Entra owns their lifetime.
    if (isDirectGrantId(id)) return true;
    return (await this.find(id)) !== null;
  }

  /** For compare-and-set updates of the upstream tokens. */
  findRaw(id: string): Promise<{ value: GrantRecord; raw: string } | null> {
    return this.grants.getRaw(id);
  }

  /** Replaces the grant if nobody else changed it since `expectedRaw` was read. */
  replace(grant: GrantRecord, expectedRaw: string): Promise<boolean> {
    return this.grants.replace(grant.id, expectedRaw, grant, this.remainingMs(grant));
  }

  /** Ends the grant and so every access and refresh token issued for it. */
  async revoke(id: string, reason: string): Promise<void> {
    if (await this.grants.delete(id)) this.logger.warn(`Grant revoked: ${reason}`);
  }

  seal(grantId: string, tokens: UpstreamTokenSet): string {
    return this.keys.encrypt(JSON.stringify(tokens), grantId);
  }

  /** The grant's Entra tokens, or null if they cannot be decrypted (key lost or record moved). */
  open(grant: GrantRecord): UpstreamTokenSet | null {
    const plain = this.keys.decrypt(grant.upstream, grant.id);
    return plain === null ? null : (JSON.parse(plain) as UpstreamTokenSet);
  }

  remainingMs(grant: GrantRecord): number {
    return Math.max(1, grant.expiresAt - Date.now());
  }
}
