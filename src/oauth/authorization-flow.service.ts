import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditTrail } from '../audit/audit-trail';
import { isMetadataDocumentClientId } from '../client-registry/client-id-url';
import { ClientRegistry } from '../client-registry/client-registry.service';
import { AppConfig } from '../config/app-config';
import { ConsentCookieService } from '../consent/consent-cookie.service';
import { renderConsentPage } from '../consent/consent.page';
import { CsrfService } from '../consent/csrf.service';
import { sendPage } from '../shared/pages/page-headers';
import { EntraClient } from '../entra/entra-client.port';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import { checkAuthorizationParameters, requireClientId, resolveRedirectUri } from './authorization-request';
import { buildAuthorizationResponse } from '../shared/oauth-errors/authorization-response';
import { OAuthError, OAuthErrorCode } from '../shared/oauth-errors';
import type { AuthorizationRequest } from './oauth.records';
import { UpstreamSignInService } from './upstream-sign-in.service';

/** A validated authorization request waits this long for the user's decision. */
export const PENDING_CONSENT_TTL_MS = 10 * 60 * 1000;

/**
 * `/authorize` and the consent step: validates the request (two phases), then either goes
 * straight to Entra (this browser approved exactly this client, redirect URI and scopes) or
 * shows the consent page. The pending request stays server-side under an opaque id; only that
 * id travels in the consent page's URL and form.
 */
@Injectable()
export class AuthorizationFlowService {
  private readonly pending: JsonStore<AuthorizationRequest>;

  constructor(
    store: Store,
    private readonly config: AppConfig,
    private readonly registry: ClientRegistry,
    private readonly consent: ConsentCookieService,
    private readonly csrf: CsrfService,
    private readonly upstream: UpstreamSignInService,
    private readonly entra: EntraClient,
    private readonly audit: AuditTrail,
  ) {
    this.pending = new JsonStore<AuthorizationRequest>(store, 'authreq');
  }

  /** `GET /authorize`: where to send the browser next (Entra, or the consent page). */
  async begin(req: Request, res: Response): Promise<string> {
    const query = req.query as Record<string, unknown>;
    const { client, redirectUri, given } = resolveRedirectUri(query, await this.registry.find(requireClientId(query)));
    const request = checkAuthorizationParameters(query, client, { redirectUri, given }, this.config.serverOrigin);
    await this.registry.touch(client);
    // MCP security best practices (confused deputy): no Entra redirect without this browser's consent.
    // A metadata-document client is asked every time: its client_id is shared by every server it talks
    // to, so a remembered approval could be replayed by a malicious server in the middle (GHSA-6x8h-498w-gv8c).
    if (!isMetadataDocumentClientId(request.clientId) && this.consent.hasConsent(req, request.clientId, request.redirectUri, request.scopes)) {
      return this.upstream.start(req, res, request);
    }
    const id = randomBytes(24).toString('base64url');
    await this.pending.set(id, request, PENDING_CONSENT_TTL_MS);
    return `/auth/consent?request=${id}`;
  }

  /** `GET /auth/consent`: the consent page for a pending request. */
  async showConsent(req: Request, res: Response): Promise<void> {
    const id = this.requestId(req.query.request);
    const request = id ? await this.pending.get(id) : null;
    if (!id || !request) throw this.expired();
    const client = await this.registry.find(request.clientId);
    if (!client) throw this.expired();
    const page = renderConsentPage({
      clientName: client.client_name,
      clientId: client.client_id,
      registeredAt: client.client_id_issued_at,
      documentHost: client.metadata_document_host,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      requestId: id,
      csrfToken: await this.csrf.issue(req, res, id),
      offline: client.grant_types.includes('refresh_token'),
      serverName: this.config.serverName,
    });
    sendPage(res, 200, page, this.formActionOrigins(request));
  }

  /** `POST /auth/consent`: Allow → consent cookie + Entra; Deny → `access_denied` to the client. */
  async decide(req: Request, res: Response): Promise<string> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.config.serverOrigin) throw this.forbidden();
    const id = this.requestId(body.request);
    if (!id || !(await this.csrf.consume(req, body.csrf_token, id))) throw this.forbidden();
    const request = await this.pending.take(id);
    if (!request) throw this.expired();
    if (body.decision === 'allow') {
      await this.audit.record('consent.given', { clientId: request.clientId });
      if (!isMetadataDocumentClientId(request.clientId)) this.consent.approve(req, res, request.clientId, request.redirectUri, request.scopes);
      return this.upstream.start(req, res, request);
    }
    if (body.decision === 'deny') {
      await this.audit.record('consent.denied', { clientId: request.clientId });
      return buildAuthorizationResponse(request.redirectUri, this.config.serverOrigin, request.state, {
        error: OAuthErrorCode.AccessDenied,
        error_description: 'The user denied the request.',
      });
    }
    throw new OAuthError(OAuthErrorCode.InvalidRequest, 'The form did not say whether to allow or deny.');
  }

  /** The consent page's `form-action` (DESIGN.md): this server, Entra, and the client's redirect origin. */
  formActionOrigins(request: AuthorizationRequest): string[] {
    return [this.entra.authorityOrigin, new URL(request.redirectUri).origin];
  }

  private requestId(value: unknown): string | undefined {
    return typeof value === 'string' && /^[A-Za-z0-9_-]{32}$/.test(value) ? value : undefined;
  }

  private expired(): OAuthError {
    return new OAuthError(OAuthErrorCode.InvalidRequest, 'This sign-in request has expired or was already answered. Please start again from your application.');
  }

  private forbidden(): OAuthError {
    return new OAuthError(
      OAuthErrorCode.AccessDenied,
      'This consent form has expired, was already used, or was not opened in this browser. Please start again from your application.',
      { status: 403 },
    );
  }
}
