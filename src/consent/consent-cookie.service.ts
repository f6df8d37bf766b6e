import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { SigningKeysService } from '../config/signing-keys.service';
import { approvalFor, CONSENT_LIFETIME_SECONDS, isApproved, signConsent, verifyConsent, withApproval, withoutClient } from './consent-cookie';
import { flowCookieName, flowCookieOptions } from './cookies';

/** Reads and writes the signed consent cookie (`mcp_consent`, `__Host-mcp_consent` on https). */
@Injectable()
export class ConsentCookieService {
  readonly cookieName: string;

  constructor(
    private readonly config: AppConfig,
    private readonly keys: SigningKeysService,
  ) {
    this.cookieName = flowCookieName('mcp_consent', config.serverUrl);
  }

  /** True if this browser approved exactly this client, redirect URI and scopes within 30 days. */
  hasConsent(req: Request, clientId: string, redirectUri: string, scopes: readonly string[]): boolean {
    return isApproved(this.read(req), clientId, redirectUri, scopes);
  }

  /** Records an approval, keeping the other clients' approvals. */
  approve(req: Request, res: Response, clientId: string, redirectUri: string, scopes: readonly string[]): void {
    const approval = approvalFor(clientId, redirectUri, scopes, nowSeconds());
    res.cookie(this.cookieName, withApproval(this.read(req), approval, this.keys), flowCookieOptions(this.config.serverUrl, CONSENT_LIFETIME_SECONDS * 1000));
  }

  /** Drops this browser's approvals of `clientId` (after the user revoked it), keeping the others. */
  forget(req: Request, res: Response, clientId: string): void {
    const approvals = this.read(req);
    const remaining = withoutClient(approvals, clientId);
    if (remaining.length === approvals.length) return;
    if (remaining.length === 0) res.clearCookie(this.cookieName, flowCookieOptions(this.config.serverUrl));
    else res.cookie(this.cookieName, signConsent(remaining, this.keys), flowCookieOptions(this.config.serverUrl, CONSENT_LIFETIME_SECONDS * 1000));
  }

  private read(req: Request) {
    const raw: unknown = req.cookies?.[this.cookieName];
    return verifyConsent(typeof raw === 'string' ? raw : undefined, this.keys, nowSeconds());
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
