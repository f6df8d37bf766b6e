import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EntraClient } from '../entra/entra-client.port';
import { EntraError, EntraUnavailableError } from '../entra/entra.errors';
import { Store } from '../store/store.port';
import { GrantService } from './grant.service';
import type { GrantRecord, UpstreamTokenSet } from './oauth.records';
import { UpstreamSignInRequiredError, UpstreamTokens } from './upstream-tokens';

/** Refresh a little before Entra's expiry, so a token is not handed out seconds before it dies. */
const EXPIRY_MARGIN_MS = 60_000;
/** How long one instance may hold a grant's refresh lease (longer than an Entra round trip; expires if it dies). */
const REFRESH_LEASE_MS = 15_000;
const LEASE_POLL_MS = 50;
/** Grants whose Entra token expiry is remembered (see `expiryOf`); the memo is dropped beyond this. */
const EXPIRY_MEMO_MAX = 10_000;

/**
 * The Entra access token of a grant, for server-side calls to Microsoft Graph (never given to
 * MCP clients). Refreshes when it has expired or the caller saw it rejected: single-flight per
 * grant inside this process, and a lease in the shared store across instances: an Entra refresh
 * token may be single use (rotation with reuse detection), so two instances redeeming it at once
 * would make the loser see `invalid_grant` and revoke a healthy grant. When Entra refuses the
 * refresh (`invalid_grant`), the grant is revoked and the user must sign in again.
 */
@Injectable()
export class EntraUpstreamTokens extends UpstreamTokens {
  private readonly logger = new Logger(EntraUpstreamTokens.name);
  private readonly inFlight = new Map<string, Promise<UpstreamTokenSet>>();
  /**
   * grant id → the GCM tag of the sealed token set last opened (unique per sealing) and its expiry:
   * every MCP request checks the expiry, and most need not decrypt for it.
   */
  private readonly expiryMemo = new Map<string, { tag: string; expiresAt: number }>();

  constructor(
    private readonly grants: GrantService,
    private readonly entra: EntraClient,
    private readonly store: Store,
  ) {
    super();
  }

  async getGraphAccessToken(grantId: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const grant = await this.grants.find(grantId);
    if (!grant) throw new UpstreamSignInRequiredError();
    const tokens = this.open(grant);
    if (!options.forceRefresh && isFresh(tokens)) return tokens.accessToken;
    return (await this.refreshOnce(grant.id, tokens.accessToken)).accessToken;
  }

  /**
   * Used by the client's own refresh at `/token`: when the Entra token has expired, refresh it
   * now, so a grant whose Entra session has ended stops being refreshable (DESIGN.md). Entra
   * being unreachable does not block the client's refresh.
   */
  async refreshIfExpired(grant: GrantRecord): Promise<void> {
    const tag = grant.upstream.slice(grant.upstream.lastIndexOf('.') + 1);
    const memo = this.expiryMemo.get(grant.id);
    if (memo?.tag === tag && memo.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return;
    const tokens = this.open(grant);
    if (this.expiryMemo.size >= EXPIRY_MEMO_MAX) this.expiryMemo.clear();
    this.expiryMemo.set(grant.id, { tag, expiresAt: tokens.expiresAt });
    if (isFresh(tokens)) return;
    try {
      await this.refreshOnce(grant.id, tokens.accessToken);
    } catch (error) {
      if (error instanceof UpstreamSignInRequiredError) throw error;
      this.logger.warn(`Upstream refresh postponed: ${error instanceof Error ? error.name : 'unknown error'}`);
    }
  }

  /** One refresh per grant at a time in this process; concurrent callers share its result. */
  private refreshOnce(grantId: string, staleAccessToken: string): Promise<UpstreamTokenSet> {
    const running = this.inFlight.get(grantId);
    if (running) return running;
    const refresh = this.refreshUnderLease(grantId, staleAccessToken).finally(() => this.inFlight.delete(grantId));
    this.inFlight.set(grantId, refresh);
    return refresh;
  }

  /**
   * One refresh per grant at a time across instances: the instance holding the lease refreshes;
   * the others wait for the grant's Entra token to change and use it (or take over the lease
   * when it is released or expires without a new token).
   */
  private async refreshUnderLease(grantId: string, staleAccessToken: string): Promise<UpstreamTokenSet> {
    const lease = `upstream-refresh:${grantId}`;
    const holder = randomBytes(16).toString('base64url');
    const deadline = Date.now() + REFRESH_LEASE_MS;
    for (;;) {
      if (await this.store.compareAndSet(lease, null, holder, REFRESH_LEASE_MS)) {
        try {
          return await this.refresh(grantId, staleAccessToken);
        } finally {
          // Release only our own lease (it may have expired and been taken over): a TTL of 0 expires it at once on every adapter.
          await this.store.compareAndSet(lease, holder, holder, 0).catch(() => undefined);
        }
      }
      const grant = await this.grants.find(grantId);
      if (!grant) throw new UpstreamSignInRequiredError();
      const tokens = this.open(grant);
      if (tokens.accessToken !== staleAccessToken && tokens.expiresAt > Date.now()) return tokens;
      if (Date.now() > deadline) throw new EntraUnavailableError('Timed out waiting for another instance to refresh the Entra token');
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
    }
  }

  private async refresh(grantId: string, staleAccessToken: string): Promise<UpstreamTokenSet> {
    const current = await this.grants.findRaw(grantId);
    if (!current || !current.value.active || current.value.expiresAt <= Date.now()) throw new UpstreamSignInRequiredError();
    const tokens = this.open(current.value);
    // Another instance refreshed while we were deciding to: use its result.
    if (tokens.accessToken !== staleAccessToken && isFresh(tokens)) return tokens;
    if (!tokens.refreshToken) {
      await this.grants.revoke(grantId, 'entra_refusal');
      throw new UpstreamSignInRequiredError();
    }

    let refreshed;
    try {
      refreshed = await this.entra.refresh(tokens.refreshToken);
    } catch (error) {
      if (error instanceof EntraError && !(error instanceof EntraUnavailableError) && error.error === 'invalid_grant') {
        this.logger.warn(`Entra refused the refresh (${error.aadstsCode ?? 'invalid_grant'})`);
        await this.grants.revoke(grantId, 'entra_refusal');
        throw new UpstreamSignInRequiredError();
      }
      throw error;
    }
    const next: UpstreamTokenSet = {
      accessToken: refreshed.accessToken,
      refreshToken: refreshed.refreshToken ?? tokens.refreshToken,
      expiresAt: refreshed.expiresAt,
    };
    const updated: GrantRecord = {
      ...current.value,
      identity: refreshed.identity ?? current.value.identity,
      upstream: this.grants.seal(grantId, next),
    };
    if (await this.grants.replace(updated, current.raw)) return next;
    // Changed under us (another instance refreshed, or the grant was revoked): the store wins.
    const now = await this.grants.find(grantId);
    if (!now) throw new UpstreamSignInRequiredError();
    const stored = this.open(now);
    return isFresh(stored) ? stored : next;
  }

  private open(grant: GrantRecord): UpstreamTokenSet {
    const tokens = this.grants.open(grant);
    if (!tokens) {
      this.logger.error('Cannot decrypt the Entra tokens of a grant (signing key changed without AUTH_SIGNING_KEY_PREVIOUS?)');
      throw new UpstreamSignInRequiredError();
    }
    return tokens;
  }
}

function isFresh(tokens: UpstreamTokenSet): boolean {
  return tokens.expiresAt - EXPIRY_MARGIN_MS > Date.now();
}
