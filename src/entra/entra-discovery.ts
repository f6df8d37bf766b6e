import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EntraError, EntraUnavailableError } from './entra.errors';

/** The parts of Entra's OpenID configuration that direct mode uses. */
export interface EntraMetadata {
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
}

const TIMEOUT_MS = 10_000;

/**
 * Entra's v2.0 discovery document of the tenant (`<issuer>/.well-known/openid-configuration`),
 * fetched once and cached; a failure is retried on the next call. Its `issuer` must be exactly
 * the configured tenant's v2.0 issuer, or nothing from it is trusted.
 */
@Injectable()
export class EntraDiscovery {
  private pending?: Promise<EntraMetadata>;

  constructor(private readonly config: AppConfig) {}

  metadata(): Promise<EntraMetadata> {
    this.pending ??= this.fetch().catch((error: unknown) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  private async fetch(): Promise<EntraMetadata> {
    const expected = this.config.entra.issuer;
    let response: Response;
    try {
      response = await fetch(`${expected}/.well-known/openid-configuration`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'error',
      });
    } catch {
      throw new EntraUnavailableError('Entra discovery could not be reached');
    }
    if (!response.ok) throw new EntraUnavailableError(`Entra discovery answered ${response.status}`, response.status);
    const doc = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!doc || doc.issuer !== expected || typeof doc.jwks_uri !== 'string' || typeof doc.token_endpoint !== 'string') {
      throw new EntraError('invalid_response', 'Entra discovery does not describe the configured tenant');
    }
    return { issuer: doc.issuer, jwksUri: doc.jwks_uri, tokenEndpoint: doc.token_endpoint };
  }
}
