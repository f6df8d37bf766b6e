import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { ConsentCookieService } from '../consent/consent-cookie.service';
import { OAuthError, OAuthErrorCode } from '../shared/oauth-errors';
import { UpstreamSignInService } from '../oauth/upstream-sign-in.service';
import { renderAccountPage, renderAccountSignInPage } from './account.page';
import { AccountSession, AccountSessionService } from '../account-session/account-session.service';
import { ConnectedAppsService } from './connected-apps.service';

/** Fixed notices (never text from the request): `/account?notice=<key>`. */
const NOTICES: Record<string, string> = {
  revoked: "Access revoked. The application's tokens no longer work; it has to ask you again.",
  'signed-out': 'You are signed out of this page.',
};

/** What the connected apps page does; the controller only maps it to HTTP. */
@Injectable()
export class AccountService {
  readonly origin: string;

  constructor(
    config: AppConfig,
    private readonly sessions: AccountSessionService,
    private readonly apps: ConnectedAppsService,
    private readonly consent: ConsentCookieService,
    private readonly upstream: UpstreamSignInService,
  ) {
    this.origin = config.serverOrigin;
  }

  async page(req: Request): Promise<string> {
    const notice = typeof req.query.notice === 'string' ? NOTICES[req.query.notice] : undefined;
    const session = await this.sessions.find(req);
    if (!session) return renderAccountSignInPage(notice);
    return renderAccountPage({ name: session.name, roles: session.roles, apps: await this.apps.list(session.oid), csrfToken: session.csrfToken, notice });
  }

  /** Entra's authorize URL for the user's own sign-in (state bound to this browser, as for clients). */
  signIn(req: Request, res: Response): Promise<string> {
    return this.upstream.startAccountSignIn(req, res);
  }

  /** Revokes one client for the signed-in user and forgets this browser's consent to it. */
  async revoke(req: Request, res: Response): Promise<string> {
    const session = await this.checkedSession(req);
    if (!session) return '/account';
    const clientId = (req.body as Record<string, unknown> | undefined)?.client_id;
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 2048) {
      throw new OAuthError(OAuthErrorCode.InvalidRequest, 'The form did not say which application to revoke.');
    }
    await this.apps.revoke(session.oid, clientId);
    // The consent page must show again for it in this browser.
    this.consent.forget(req, res, clientId);
    return '/account?notice=revoked';
  }

  async signOut(req: Request, res: Response): Promise<string> {
    const session = await this.checkedSession(req);
    if (session) await this.sessions.destroy(req, res);
    return '/account?notice=signed-out';
  }

  /**
   * The session of a form POST, after the CSRF checks: the Origin header (when sent) is this
   * server, and the form carries the session's token. No session (expired): null, back to the page.
   */
  private async checkedSession(req: Request): Promise<AccountSession | null> {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.origin) throw this.forbidden();
    const session = await this.sessions.find(req);
    if (!session) return null;
    if (!this.sessions.checkCsrf(session, (req.body as Record<string, unknown> | undefined)?.csrf_token)) throw this.forbidden();
    return session;
  }

  private forbidden(): OAuthError {
    return new OAuthError(OAuthErrorCode.AccessDenied, 'This form has expired or was not opened in this browser. Please reload the page and try again.', { status: 403 });
  }
}
