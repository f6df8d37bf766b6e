import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { constantTimeEqual, sha256 } from '../config/constant-time';
import { flowCookieName, flowCookieOptions } from '../consent/cookies';
import type { EntraIdentity } from '../entra/entra-client.port';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';

/** A sign-in to the connected apps page: who, and the CSRF token of its forms. */
export interface AccountSession {
  oid: string;
  tid: string;
  /** Shown on the page ("Signed in as …"). */
  name: string;
  roles: string[];
  /** The synchronizer token every form of the page carries (OWASP CSRF cheat sheet). */
  csrfToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The short-lived session of `/account` (ACCOUNT_SESSION_MINUTES), separate from everything an
 * MCP client holds: a random id in an HttpOnly cookie (`mcp_account`, `__Host-mcp_account` on
 * https, SameSite=Lax), the session itself in the store under the id's SHA-256, so it works on
 * every instance and signing out ends it everywhere. It does not renew itself: after it ends the
 * user signs in again (silently, if Entra still has them).
 */
@Injectable()
export class AccountSessionService {
  private readonly sessions: JsonStore<AccountSession>;
  readonly cookieName: string;

  constructor(
    store: Store,
    private readonly config: AppConfig,
  ) {
    this.sessions = new JsonStore<AccountSession>(store, 'account-session');
    this.cookieName = flowCookieName('mcp_account', config.serverUrl);
  }

  private get ttlMs(): number {
    return this.config.accountSessionMinutes * 60 * 1000;
  }

  /** After the Entra sign-in: a new session for this user, its cookie on the response. */
  async create(res: Response, identity: EntraIdentity): Promise<void> {
    const id = randomBytes(32).toString('base64url');
    const session: AccountSession = {
      oid: identity.oid,
      tid: identity.tid,
      name: identity.name,
      roles: identity.roles ?? [],
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: Date.now() + this.ttlMs,
    };
    await this.sessions.set(sha256(id), session, this.ttlMs);
    res.cookie(this.cookieName, id, flowCookieOptions(this.config.serverUrl, this.ttlMs));
  }

  /** The session of this browser, or null. */
  async find(req: Request): Promise<AccountSession | null> {
    const id = this.sessionId(req);
    if (!id) return null;
    const session = await this.sessions.get(sha256(id));
    return session && session.expiresAt > Date.now() ? session : null;
  }

  /** True if `token` is this session's CSRF token (constant time). */
  checkCsrf(session: AccountSession, token: unknown): boolean {
    return typeof token === 'string' && token.length > 0 && token.length <= 100 && constantTimeEqual(token, session.csrfToken);
  }

  /** Signs this browser out: the session ends on every instance, the cookie is cleared. */
  async destroy(req: Request, res: Response): Promise<void> {
    const id = this.sessionId(req);
    if (id) await this.sessions.delete(sha256(id));
    res.clearCookie(this.cookieName, flowCookieOptions(this.config.serverUrl));
  }

  private sessionId(req: Request): string | undefined {
    const raw: unknown = req.cookies?.[this.cookieName];
    return typeof raw === 'string' && SESSION_ID.test(raw) ? raw : undefined;
  }
}
