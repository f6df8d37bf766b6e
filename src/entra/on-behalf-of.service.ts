import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EntraDiscovery } from './entra-discovery';
import { EntraError, EntraUnavailableError } from './entra.errors';

/** The On-Behalf-Of grant (RFC 7523 JWT bearer, Entra's `requested_token_use=on_behalf_of`). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** What Graph tools need, on Microsoft Graph's resource. */
export const GRAPH_OBO_SCOPE = 'https://graph.microsoft.com/User.Read';

/** Entra refused an On-Behalf-Of exchange; `claims` is a Conditional Access claims challenge when Entra sent one. */
export class OnBehalfOfRefusedError extends EntraError {
  constructor(error: string, description: string | undefined, status: number, readonly claims?: string) {
    super(error, description, status);
    this.name = 'OnBehalfOfRefusedError';
  }
}

/** Renew a little before expiry, so a token is not used seconds before it dies. */
const EXPIRY_MARGIN_MS = 2 * 60_000;
const MAX_CACHE_ENTRIES = 10_000;
const TIMEOUT_MS = 10_000;

interface Cached {
  accessToken: string;
  expiresAt: number;
}

/**
 * Direct mode: exchanges the caller's Entra access token (issued to this API) for a Microsoft
 * Graph token with this app's own credentials. Graph tokens are cached per user and scope until
 * shortly before they expire, and concurrent calls share one exchange. The caller's token is
 * sent only to Entra's token endpoint, never to Graph.
 */
@Injectable()
export class OnBehalfOfTokens {
  private readonly logger = new Logger(OnBehalfOfTokens.name);
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<Cached>>();

  constructor(
    private readonly config: AppConfig,
    private readonly discovery: EntraDiscovery,
  ) {}

  /** A Graph token for `user` (tenant + object id); `forceRefresh` after Graph refused the cached one. */
  async graphToken(user: { tid: string; oid: string }, assertion: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const key = `${user.tid}:${user.oid}:${GRAPH_OBO_SCOPE}`;
    const cached = this.cache.get(key);
    if (!options.forceRefresh && cached && cached.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return cached.accessToken;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.exchange(assertion)
        .then((tokens) => {
          this.remember(key, tokens);
          return tokens;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return (await pending).accessToken;
  }

  private async exchange(assertion: string): Promise<Cached> {
    const { tokenEndpoint } = await this.discovery.metadata();
    const body = new URLSearchParams({
      grant_type: JWT_BEARER_GRANT,
      client_id: this.config.entraApi.clientId,
      client_secret: this.config.entraApi.oboClientSecret ?? '',
      assertion,
      scope: GRAPH_OBO_SCOPE,
      requested_token_use: 'on_behalf_of',
    });
    let response: Response;
    try {
      response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'error',
      });
    } catch {
      throw new EntraUnavailableError('Entra could not be reached for the On-Behalf-Of exchange');
    }
    const json = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (response.status >= 500 || !json) throw new EntraUnavailableError(`Entra answered ${response.status} to the On-Behalf-Of exchange`, response.status);
    if (!response.ok) {
      const refused = new OnBehalfOfRefusedError(
        typeof json.error === 'string' ? json.error : 'invalid_request',
        typeof json.error_description === 'string' ? json.error_description : undefined,
        response.status,
        typeof json.claims === 'string' ? json.claims : undefined,
      );
      this.logger.warn({ msg: 'Entra refused the On-Behalf-Of exchange', error: refused.error, aadsts: refused.aadstsCode });
      throw refused;
    }
    if (typeof json.access_token !== 'string') throw new EntraError('invalid_response', 'Entra returned no access token');
    const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in ?? 3600);
    return { accessToken: json.access_token, expiresAt: Date.now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000 };
  }

  private remember(key: string, tokens: Cached): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, tokens);
  }
}
