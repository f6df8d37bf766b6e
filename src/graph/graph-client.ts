import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { UpstreamSignInRequiredError, UpstreamTokens } from '../oauth/upstream-tokens';
import { OnBehalfOfTokens } from '../entra/on-behalf-of.service';
import { entraAssertionOf, isDirectGrantId, UserContext } from '../shared/user-context';
import { onBehalfOfFailure } from './on-behalf-of.failure';
import {
  GraphError,
  GraphRequestError,
  GraphSignInRequiredError,
  GraphThrottledError,
  GraphUnavailableError,
} from './graph.errors';
import { parseRetryAfter } from './retry-after';

/** The part of Graph's `GET /me` answer this server uses. */
export interface GraphUser {
  id?: string;
  displayName: string;
  mail: string | null;
  jobTitle: string | null;
  userPrincipalName: string | null;
}

export interface GraphClientOptions {
  /** Per attempt, headers and body included. */
  timeoutMs: number;
  /** How long a user's `/me` answer is reused (bursts of tool calls make one Graph request). */
  cacheTtlMs: number;
  /** Longest `Retry-After` (429/503) worth waiting for inside one tool call; longer ones fail at once. */
  maxRetryAfterMs: number;
  /** Wait before the single retry when a 429/503 carries no `Retry-After`. */
  defaultRetryDelayMs: number;
  /** Bound on cached users, so the cache cannot grow without limit. */
  maxCacheEntries: number;
}

export const DEFAULT_GRAPH_CLIENT_OPTIONS: GraphClientOptions = {
  timeoutMs: 5_000,
  cacheTtlMs: 60_000,
  maxRetryAfterMs: 2_000,
  defaultRetryDelayMs: 500,
  maxCacheEntries: 10_000,
};

/** Who Graph is called for: the grant (proxy mode), or the Entra caller (direct mode: tenant, object id, own token). */
export type GraphCaller = Pick<UserContext, 'grantId'> & Partial<Pick<UserContext, 'tid' | 'oid'>>;

/** DI token of the client's tuning (GraphModule binds the defaults; tests shorten the timeouts). */
export const GRAPH_CLIENT_OPTIONS = Symbol('GRAPH_CLIENT_OPTIONS');

/**
 * Microsoft Graph with the Entra access token this server holds for a grant. The
 * token never leaves this class: not in errors, not in logs.
 */
@Injectable()
export class GraphClient {
  private readonly logger = new Logger(GraphClient.name);
  private readonly options: GraphClientOptions;
  private readonly meUrl: string;
  /** Keyed by grant id: one user's answer can never be served to another grant. */
  private readonly cache = new Map<string, { user: GraphUser; expiresAt: number }>();
  /** Single flight per grant: concurrent calls share one Graph request. */
  private readonly inFlight = new Map<string, Promise<GraphUser>>();

  constructor(
    config: AppConfig,
    private readonly upstreamTokens: UpstreamTokens,
    private readonly onBehalfOf: OnBehalfOfTokens,
    @Inject(GRAPH_CLIENT_OPTIONS) options: Partial<GraphClientOptions> = {},
  ) {
    this.options = { ...DEFAULT_GRAPH_CLIENT_OPTIONS, ...options };
    this.meUrl = `${config.graphBaseUrl.replace(/\/+$/, '')}/me`;
  }

  /**
   * The signed-in user's profile (`GET /me`). Rejects with a `GraphError` whose
   * message is fit to show the user.
   */
  async getMe(user: GraphCaller): Promise<GraphUser> {
    const key = user.grantId;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.user;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetchMe(user)
        .then((me) => {
          this.remember(key, me);
          return me;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async fetchMe(user: GraphCaller): Promise<GraphUser> {
    let token = await this.accessToken(user, false);
    let refreshed = false;
    let waited = false;
    for (;;) {
      const response = await this.send(token);
      if (response.ok) return this.readUser(response);
      await response.body?.cancel().catch(() => undefined);
      this.logger.warn({ msg: 'Microsoft Graph GET /me failed', status: response.status });
      if (response.status === 401 && !refreshed) {
        // The held token may have been revoked or expired early: one forced refresh, then retry.
        refreshed = true;
        token = await this.accessToken(user, true);
        continue;
      }
      if (response.status === 401) throw new GraphSignInRequiredError();
      if (response.status === 429 || response.status === 503) {
        const delay = parseRetryAfter(response.headers.get('retry-after')) ?? this.options.defaultRetryDelayMs;
        if (!waited && delay <= this.options.maxRetryAfterMs) {
          waited = true;
          await sleep(delay);
          continue;
        }
        const seconds = Math.max(1, Math.ceil(delay / 1000));
        if (response.status === 429) throw new GraphThrottledError(seconds);
      }
      if (response.status >= 500) throw new GraphUnavailableError('status', response.status);
      if (response.status === 403) {
        throw new GraphRequestError(403, 'Microsoft Graph refused to read your profile (HTTP 403); the User.Read permission may be missing.');
      }
      throw new GraphRequestError(response.status);
    }
  }

  /**
   * Proxy mode: the Entra token held for the grant. Direct mode: a Graph token from the
   * On-Behalf-Of exchange of the caller's own Entra token (which itself never goes to Graph).
   */
  private async accessToken(user: GraphCaller, forceRefresh: boolean): Promise<string> {
    if (isDirectGrantId(user.grantId)) {
      const assertion = entraAssertionOf(user as UserContext);
      if (!assertion || !user.tid || !user.oid) {
        throw new GraphSignInRequiredError('This request carries no Microsoft Entra sign-in to act on your behalf; call the tool again, signed in as a user.');
      }
      try {
        return await this.onBehalfOf.graphToken({ tid: user.tid, oid: user.oid }, assertion, { forceRefresh });
      } catch (error) {
        throw onBehalfOfFailure(error);
      }
    }
    try {
      return await this.upstreamTokens.getGraphAccessToken(user.grantId, forceRefresh ? { forceRefresh } : undefined);
    } catch (error) {
      if (error instanceof UpstreamSignInRequiredError) throw new GraphSignInRequiredError(error.message);
      throw error;
    }
  }

  private async send(token: string): Promise<Response> {
    try {
      return await fetch(this.meUrl, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
        // A redirect would carry the bearer token elsewhere.
        redirect: 'error',
      });
    } catch (error) {
      throw this.networkError(error);
    }
  }

  private async readUser(response: Response): Promise<GraphUser> {
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      if (isTimeout(error)) throw new GraphUnavailableError('timeout');
      throw new GraphRequestError(response.status, 'Microsoft Graph returned a profile this server could not read.');
    }
    const me = body as Record<string, unknown> | null;
    if (!me || typeof me !== 'object' || typeof me.displayName !== 'string') {
      throw new GraphRequestError(response.status, 'Microsoft Graph returned a profile this server could not read.');
    }
    const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
    return {
      id: text(me.id) ?? undefined,
      displayName: me.displayName,
      mail: text(me.mail),
      jobTitle: text(me.jobTitle),
      userPrincipalName: text(me.userPrincipalName),
    };
  }

  private networkError(error: unknown): GraphError {
    if (isTimeout(error)) return new GraphUnavailableError('timeout');
    this.logger.warn({ msg: 'Microsoft Graph unreachable', error: errorName(error) });
    return new GraphUnavailableError('unreachable');
  }

  private remember(grantId: string, user: GraphUser): void {
    this.cache.delete(grantId);
    if (this.cache.size >= this.options.maxCacheEntries) {
      // Oldest first (Map keeps insertion order); expired entries go first in practice.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(grantId, { user, expiresAt: Date.now() + this.options.cacheTtlMs });
  }
}

/** fetch's errors come from Node's own realm: compare names, not classes. */
function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : typeof error;
}

function isTimeout(error: unknown): boolean {
  const name = errorName(error);
  return name === 'TimeoutError' || name === 'AbortError';
}
