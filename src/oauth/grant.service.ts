import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { RevokedBy } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { AppConfig } from '../config/app-config';
import { SigningKeysService } from '../config/signing-keys.service';
import type { EntraTokenSet } from '../entra/entra-client.port';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import { GrantLiveness } from './grant-liveness';
import type { AuthorizationRequest, GrantRecord, UpstreamTokenSet } from './oauth.records';
import { UserGrantIndex } from './user-grant.index';
import { DAY_MS } from '../shared/time';
import { isDirectGrantId } from '../shared/user-context';

/** An unredeemed grant disappears with its authorization code. */
export const AUTHORIZATION_CODE_TTL_MS = 5 * 60 * 1000;
/**
 * A grant past GRANT_MAX_LIFETIME_DAYS stays in the store this much longer (unusable: `find`
 * checks `expiresAt`), so that whoever next looks at it can record that it ended by lifetime.
 */
const ENDED_GRANT_NOTICE_MS = DAY_MS;

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
    private readonly audit: AuditTrail,
    private readonly userGrants: UserGrantIndex,
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
    await this.audit.record('grant.created', { oid: grant.identity.oid, clientId: grant.clientId, grantId: id });
    return grant;
  }

  /** Marks the grant active (its code was redeemed) for the rest of its lifetime; null if it is gone. */
  async activate(id: string): Promise<GrantRecord | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.grants.getRaw(id);
      if (!current) return null;
      if (current.value.active) return current.value;
      const next = { ...current.value, active: true };
      if (await this.grants.replace(id, current.raw, next, this.storeTtlMs(next))) {
        await this.userGrants.add(next);
        return next;
      }
    }
    return null;
  }

  /** The live grant (active, not expired), or null. */
  async find(id: string): Promise<GrantRecord | null> {
    const grant = await this.grants.get(id);
    if (!grant || !grant.active) return null;
    if (grant.expiresAt > Date.now()) return grant;
    // GRANT_MAX_LIFETIME_DAYS reached: the first to notice removes it and records why (exactly once: delete is atomic).
    if (await this.grants.delete(id)) await this.recordRevoked(grant, 'lifetime');
    return null;
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
    return this.grants.replace(grant.id, expectedRaw, grant, this.storeTtlMs(grant));
  }

  /**
   * Ends the grant and so every access and refresh token issued for it (they all read the grant),
   * on every instance. Returns the ended grant, or null if it had already ended.
   */
  async revoke(id: string, by: RevokedBy): Promise<GrantRecord | null> {
    const grant = await this.grants.take(id);
    if (!grant) return null;
    this.logger.warn({ msg: 'Grant revoked', by, clientId: grant.clientId });
    await this.recordRevoked(grant, by);
    return grant;
  }

  private recordRevoked(grant: GrantRecord, by: RevokedBy): Promise<void> {
    return this.audit.record('grant.revoked', { oid: grant.identity.oid, clientId: grant.clientId, grantId: grant.id, by });
  }

  seal(grantId: string, tokens: UpstreamTokenSet): string {
    return this.keys.encrypt(JSON.stringify(tokens), grantId);
  }

  /** The grant's Entra tokens, or null if they cannot be decrypted (key lost or record moved). */
  open(grant: GrantRecord): UpstreamTokenSet | null {
    const plain = this.keys.decrypt(grant.upstream, grant.id);
    return plain === null ? null : (JSON.parse(plain) as UpstreamTokenSet);
  }

  /** How long the grant's record stays in the store: its remaining lifetime, then a short notice period (see ENDED_GRANT_NOTICE_MS). */
  private storeTtlMs(grant: GrantRecord): number {
    return Math.max(1, grant.expiresAt - Date.now()) + ENDED_GRANT_NOTICE_MS;
  }
}
