import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccountSessionService } from '../account-session/account-session.service';
import { ClientRegistry } from '../client-registry/client-registry.service';
import { AppConfig } from '../config/app-config';
import { constantTimeEqual, sha256 } from '../config/constant-time';
import { flowCookieName, flowCookieOptions } from '../consent/cookies';
import { EntraClient } from '../entra/entra-client.port';
import { EntraError, EntraUnavailableError } from '../entra/entra.errors';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import { AuthorizationCodeService } from './authorization-code.service';
import { buildAuthorizationResponse } from '../shared/oauth-errors/authorization-response';
import { OAuthError, OAuthErrorCode, RedirectableOAuthError } from '../shared/oauth-errors';
import { GrantService } from './grant.service';
import type { AuthorizationRequest, UpstreamAuthorization } from './oauth.records';

/** DESIGN.md "State towards Entra": single use, 10 minutes. */
export const UPSTREAM_STATE_TTL_MS = 10 * 60 * 1000;
/** Sign-ins a browser may have in progress at once (several tabs, several clients). */
const MAX_BOUND_STATES = 5;

/**
 * The leg towards Entra and back. The state sent to Entra is this server's own (random, single
 * use, 10 minutes, created only after consent) and bound to the consenting browser by a cookie
 * holding its hash: a callback arriving in any other browser is refused, so an attacker cannot
 * approve their own client and have a victim's silent Entra sign-in complete it (DESIGN.md).
 */
@Injectable()
export class UpstreamSignInService {
  private readonly logger = new Logger(UpstreamSignInService.name);
  private readonly pending: JsonStore<UpstreamAuthorization>;
  private readonly bindingCookie: string;

  constructor(
    store: Store,
    private readonly config: AppConfig,
    private readonly entra: EntraClient,
    private readonly registry: ClientRegistry,
    private readonly grants: GrantService,
    private readonly codes: AuthorizationCodeService,
    private readonly accountSessions: AccountSessionService,
  ) {
    this.pending = new JsonStore<UpstreamAuthorization>(store, 'upstream');
    this.bindingCookie = flowCookieName('mcp_auth_state', config.serverUrl);
  }

  /** After consent: creates state, nonce and PKCE for Entra, binds them to this browser; returns Entra's URL. */
  start(req: Request, res: Response, request: AuthorizationRequest): Promise<string> {
    return this.begin(req, res, { request });
  }

  /** The user's own sign-in to the connected apps page (`/account`), with the same state rules; returns Entra's URL. */
  startAccountSignIn(req: Request, res: Response): Promise<string> {
    return this.begin(req, res, { purpose: 'account' });
  }

  private async begin(req: Request, res: Response, purpose: { request: AuthorizationRequest } | { purpose: 'account' }): Promise<string> {
    const secrets = {
      state: randomBytes(32).toString('base64url'),
      nonce: randomBytes(32).toString('base64url'),
      codeVerifier: randomBytes(48).toString('base64url'),
    };
    const stateHash = sha256(secrets.state);
    await this.pending.set(stateHash, { ...purpose, nonce: secrets.nonce, codeVerifier: secrets.codeVerifier }, UPSTREAM_STATE_TTL_MS);
    const bound = [stateHash, ...this.boundStates(req)].slice(0, MAX_BOUND_STATES);
    res.cookie(this.bindingCookie, bound.join('.'), flowCookieOptions(this.config.serverUrl, UPSTREAM_STATE_TTL_MS));
    return (await this.entra.buildAuthorizationUrl(secrets)).toString();
  }

  /** Entra's redirect back: checks the browser binding, takes the pending sign-in, issues our code to the client. */
  async finish(req: Request, res: Response): Promise<string> {
    const state = req.query.state;
    if (typeof state !== 'string' || state.length === 0 || state.length > 200) {
      throw new OAuthError(OAuthErrorCode.InvalidRequest, 'The answer from Microsoft sign-in is incomplete.');
    }
    const stateHash = sha256(state);
    const bound = this.boundStates(req);
    if (!bound.some((h) => constantTimeEqual(h, stateHash))) {
      // Burn it: a sign-in that surfaced in another browser must not be completed anywhere.
      await this.pending.delete(stateHash);
      throw new OAuthError(
        OAuthErrorCode.AccessDenied,
        'This sign-in was started in a different browser (or its cookies were cleared). For your safety it cannot be completed here.',
        { status: 400 },
      );
    }
    const remaining = bound.filter((h) => h !== stateHash);
    if (remaining.length > 0) res.cookie(this.bindingCookie, remaining.join('.'), flowCookieOptions(this.config.serverUrl, UPSTREAM_STATE_TTL_MS));
    else res.clearCookie(this.bindingCookie, flowCookieOptions(this.config.serverUrl));

    const pending = await this.pending.take(stateHash);
    if (!pending) {
      throw new OAuthError(OAuthErrorCode.InvalidRequest, 'This sign-in has expired or was already completed. Please start again from your application.');
    }
    if (pending.purpose === 'account') return this.finishAccountSignIn(req, res, state, pending);
    const { request } = pending;
    const issuer = this.config.serverOrigin;
    const toClient = (code: OAuthErrorCode, description: string) => new RedirectableOAuthError(code, description, request.redirectUri, request.state, issuer);

    const client = await this.registry.find(request.clientId);
    if (!client) throw new OAuthError(OAuthErrorCode.InvalidClient, 'This application is no longer registered with this server.', { status: 400 });
    if (!client.redirect_uris.includes(request.redirectUri)) {
      // Its metadata document changed during the sign-in: the redirect URI can no longer be trusted.
      throw new OAuthError(OAuthErrorCode.InvalidClient, 'This application no longer lists the redirect address this sign-in was started with.', { status: 400 });
    }

    if (req.query.error !== undefined) {
      const upstreamError = typeof req.query.error === 'string' && /^[a-z_]{1,50}$/.test(req.query.error) ? req.query.error : 'unrecognised_error';
      this.logger.warn(`Entra answered the sign-in with an error: ${upstreamError}`);
      if (upstreamError === 'temporarily_unavailable') throw toClient(OAuthErrorCode.TemporarilyUnavailable, 'Microsoft sign-in is temporarily unavailable.');
      throw toClient(OAuthErrorCode.AccessDenied, 'The sign-in with Microsoft was cancelled or refused.');
    }

    let tokens;
    try {
      tokens = await this.entra.exchangeCode(this.callbackUrl(req), { state, nonce: pending.nonce, codeVerifier: pending.codeVerifier });
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      this.logger.warn(`Entra code exchange failed: ${error.error}${error.aadstsCode ? ` (${error.aadstsCode})` : ''}`);
      if (error instanceof EntraUnavailableError) throw toClient(OAuthErrorCode.TemporarilyUnavailable, 'Microsoft sign-in is temporarily unavailable.');
      throw toClient(OAuthErrorCode.AccessDenied, 'The sign-in with Microsoft could not be completed.');
    }

    const grant = await this.grants.create(request, tokens, client.grant_types.includes('refresh_token'));
    const code = await this.codes.issue(grant.id, request);
    return buildAuthorizationResponse(request.redirectUri, issuer, request.state, { code });
  }

  /** Entra's answer to a `/account` sign-in: a session for the connected apps page (errors are pages: there is no client to tell). */
  private async finishAccountSignIn(req: Request, res: Response, state: string, pending: { nonce: string; codeVerifier: string }): Promise<string> {
    if (req.query.error !== undefined) {
      throw new OAuthError(OAuthErrorCode.AccessDenied, 'The sign-in with Microsoft was cancelled or refused.', { status: 400 });
    }
    let tokens;
    try {
      tokens = await this.entra.exchangeCode(this.callbackUrl(req), { state, nonce: pending.nonce, codeVerifier: pending.codeVerifier });
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      if (error instanceof EntraUnavailableError) throw new OAuthError(OAuthErrorCode.TemporarilyUnavailable, 'Microsoft sign-in is temporarily unavailable.', { status: 503 });
      throw new OAuthError(OAuthErrorCode.AccessDenied, 'The sign-in with Microsoft could not be completed.', { status: 400 });
    }
    // Only who the user is: the page needs no Entra token, so none is kept.
    await this.accountSessions.create(res, tokens.identity);
    return '/account';
  }

  /** The callback URL as Entra sent it, on the registered redirect URI (the public URL, not the one behind a proxy). */
  private callbackUrl(req: Request): URL {
    const url = new URL(this.config.entra.redirectUri);
    const query = req.originalUrl.indexOf('?');
    url.search = query >= 0 ? req.originalUrl.slice(query) : '';
    return url;
  }

  private boundStates(req: Request): string[] {
    const raw: unknown = req.cookies?.[this.bindingCookie];
    if (typeof raw !== 'string') return [];
    return raw.split('.').filter((h) => /^[0-9a-f]{64}$/.test(h)).slice(0, MAX_BOUND_STATES);
  }
}
