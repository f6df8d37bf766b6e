import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig, EntraUpstreamConfig } from '../config/app-config';
import { EntraAuthorizationRequest, EntraClient, EntraRefreshedTokenSet, EntraTokenSet } from './entra-client.port';
import { identityFromClaims } from './entra-identity';
import { EntraError, toEntraError } from './entra.errors';
import { isLoopbackOrigin } from '../config/loopback';

/** What the server always asks Entra for (DESIGN.md: Scopes): sign-in, refresh tokens, Graph /me. */
export const ENTRA_SCOPES = 'openid profile offline_access User.Read';

/** Seconds before an HTTP call to Entra counts as failed. */
const HTTP_TIMEOUT_SECONDS = 10;
/** Used when Entra omits `expires_in` (it does not in practice): its default access token lifetime is 60-90 min. */
const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/**
 * EntraClient on openid-client 6. Discovery runs on first use and is cached; a
 * failed discovery is retried on the next call. Public client (PKCE, no secret)
 * unless AUTH_CLIENT_SECRET is set. Plain http is allowed only for a loopback
 * authority (the emulator); config validation already refuses it elsewhere.
 */
@Injectable()
export class OpenIdEntraClient extends EntraClient {
  private readonly logger = new Logger(OpenIdEntraClient.name);
  private readonly entra: EntraUpstreamConfig;
  private discovered?: Promise<oidc.Configuration>;

  constructor(config: AppConfig) {
    super();
    this.entra = config.entra;
  }

  get authorityOrigin(): string {
    return this.entra.authorityOrigin;
  }

  async buildAuthorizationUrl({ state, nonce, codeVerifier }: EntraAuthorizationRequest): Promise<URL> {
    const configuration = await this.configuration();
    // Entra's discovery omits code_challenge_methods_supported: S256 is always sent (RFC 7636 §4.2).
    // No RFC 8707 `resource` parameter: Entra v2.0 rejects it (AADSTS901002); the scope names the resource.
    return oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.entra.redirectUri,
      scope: ENTRA_SCOPES,
      response_type: 'code',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  async exchangeCode(callbackUrl: URL, { state, nonce, codeVerifier }: EntraAuthorizationRequest): Promise<EntraTokenSet> {
    const configuration = await this.configuration();
    try {
      const tokens = await oidc.authorizationCodeGrant(
        configuration,
        callbackUrl,
        { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
        // The registered redirect URI, not one derived from callbackUrl (behind a proxy the two may differ).
        { redirect_uri: this.entra.redirectUri },
      );
      const claims = tokens.claims();
      if (!claims) throw new EntraError('invalid_response', 'Entra returned no id_token');
      return {
        identity: identityFromClaims(claims, this.entra.tenantId),
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        expiresAt: this.expiresAt(tokens.expires_in),
      };
    } catch (error) {
      throw this.failure('code exchange', error);
    }
  }

  async refresh(refreshToken: string): Promise<EntraRefreshedTokenSet> {
    const configuration = await this.configuration();
    try {
      const tokens = await oidc.refreshTokenGrant(configuration, refreshToken, { scope: ENTRA_SCOPES });
      const claims = tokens.claims();
      return {
        identity: claims ? identityFromClaims(claims, this.entra.tenantId) : undefined,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        expiresAt: this.expiresAt(tokens.expires_in),
      };
    } catch (error) {
      throw this.failure('refresh', error);
    }
  }

  /** Discovery, cached after the first success; a failure is not cached, so the next call retries. */
  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      throw this.failure('discovery', error);
    });
    return this.discovered;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret, authorityOrigin } = this.entra;
    const clientAuth = clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None();
    const configuration = await oidc.discovery(new URL(issuer), clientId, { client_id: clientId }, clientAuth, {
      timeout: HTTP_TIMEOUT_SECONDS,
      // openid-client refuses http; only the loopback emulator may use it.
      execute: new URL(authorityOrigin).protocol === 'http:' && isLoopbackOrigin(authorityOrigin) ? [oidc.allowInsecureRequests] : [],
    });
    configuration.timeout = HTTP_TIMEOUT_SECONDS;
    return configuration;
  }

  private expiresAt(expiresIn: number | undefined): number {
    return Date.now() + (expiresIn ?? DEFAULT_EXPIRES_IN_SECONDS) * 1000;
  }

  /** Maps and logs an upstream failure: error code and description only, never tokens. */
  private failure(operation: string, error: unknown): EntraError {
    const mapped = toEntraError(error);
    this.logger.warn(`Entra ${operation} failed: ${mapped.message}`);
    return mapped;
  }
}
