import { Controller, Get, Header, UseFilters } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TOKEN_ENDPOINT_AUTH_METHODS } from '../client-registry/registered-client';
import { canonicalResource } from './checks/resource';
import { OAuthExceptionFilter } from '../shared/oauth-errors';
import { SUPPORTED_SCOPES } from '../shared/scopes';
import { Public } from '../shared/auth/public.decorator';

/**
 * RFC 9728 §2 `authorization_servers` by AUTH_MODE: this server (proxy), Entra's v2.0 issuer of
 * the tenant (direct), or both with this server first (clients that cannot talk to Entra keep working).
 */
export function authorizationServers(config: AppConfig): string[] {
  if (config.authMode === 'proxy') return [config.serverOrigin];
  if (config.authMode === 'direct') return [config.entra.issuer];
  return [config.serverOrigin, config.entra.issuer];
}

/** This server's scopes, Entra's API scope (`<Application ID URI>/<scope>`), or both. */
export function scopesSupported(config: AppConfig): readonly string[] {
  if (config.authMode === 'proxy') return SUPPORTED_SCOPES;
  if (config.authMode === 'direct') return [config.entraApi.fullScope];
  return [...SUPPORTED_SCOPES, config.entraApi.fullScope];
}

/**
 * Discovery: RFC 9728 protected-resource metadata (root document only, DESIGN.md) and RFC 8414
 * authorization-server metadata. The issuer is the server origin, the same string everywhere
 * (metadata, `iss` on authorization responses: RFC 9207).
 */
@Public()
@Controller('.well-known')
@UseFilters(OAuthExceptionFilter.forClients())
export class MetadataController {
  constructor(private readonly config: AppConfig) {}

  @Get('oauth-protected-resource')
  @Header('Cache-Control', 'public, max-age=300')
  protectedResource() {
    return {
      resource: canonicalResource(this.config.serverOrigin),
      authorization_servers: authorizationServers(this.config),
      scopes_supported: scopesSupported(this.config),
      bearer_methods_supported: ['header'],
      // RFC 9728 §2: human-readable name of the protected resource.
      resource_name: this.config.serverName,
    };
  }

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer() {
    const origin = this.config.serverOrigin;
    return {
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      registration_endpoint: `${origin}/register`,
      revocation_endpoint: `${origin}/revoke`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: TOKEN_ENDPOINT_AUTH_METHODS,
      revocation_endpoint_auth_methods_supported: TOKEN_ENDPOINT_AUTH_METHODS,
      scopes_supported: SUPPORTED_SCOPES,
      authorization_response_iss_parameter_supported: true,
      // MCP Authorization (2025-11-25, 2026-07-28): an https URL naming a Client ID Metadata Document is a client_id here.
      client_id_metadata_document_supported: true,
    };
  }
}
