import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { constantTimeEqual, sha256 } from '../config/constant-time';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import { flowCookieName, flowCookieOptions } from './cookies';

interface CsrfRecord {
  /** The pending authorization request the form belongs to. */
  requestId: string;
  /** SHA-256 of the browser cookie the token was issued to. */
  browser: string;
}

/** A consent form older than this must be reloaded. */
export const CSRF_TTL_MS = 10 * 60 * 1000;

/**
 * CSRF protection of the consent form (DESIGN.md "Consent form"): a random token in a hidden
 * field, stored server-side (hashed) with the pending request and a hash of a browser cookie.
 * A POST must carry a token this very browser received for this very request, and each
 * token works once (atomic take), so a replayed or forged form is refused.
 */
@Injectable()
export class CsrfService {
  private readonly tokens: JsonStore<CsrfRecord>;
  readonly browserCookieName: string;

  constructor(
    store: Store,
    private readonly config: AppConfig,
  ) {
    this.tokens = new JsonStore<CsrfRecord>(store, 'csrf');
    this.browserCookieName = flowCookieName('mcp_browser', config.serverUrl);
  }

  /** A new single-use token for the consent form of `requestId`, bound to this browser. */
  async issue(req: Request, res: Response, requestId: string): Promise<string> {
    let browser = this.browserSecret(req);
    if (!browser) {
      browser = randomBytes(32).toString('base64url');
      res.cookie(this.browserCookieName, browser, flowCookieOptions(this.config.serverUrl));
    }
    const token = randomBytes(32).toString('base64url');
    await this.tokens.set(sha256(token), { requestId, browser: sha256(browser) }, CSRF_TTL_MS);
    return token;
  }

  /** Consumes the token; true only if it was issued to this browser for this request and not used before. */
  async consume(req: Request, token: unknown, requestId: string): Promise<boolean> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 100) return false;
    const record = await this.tokens.take(sha256(token));
    const browser = this.browserSecret(req);
    if (!record || !browser) return false;
    return constantTimeEqual(record.browser, sha256(browser)) && constantTimeEqual(record.requestId, requestId);
  }

  private browserSecret(req: Request): string | undefined {
    const raw: unknown = req.cookies?.[this.browserCookieName];
    return typeof raw === 'string' && /^[A-Za-z0-9_-]{43}$/.test(raw) ? raw : undefined;
  }
}
