import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AccountSessionModule } from '../account-session/account-session.module';
import { ClientRegistryModule } from '../client-registry/client-registry.module';
import { ConsentModule } from '../consent/consent.module';
import { EntraModule } from '../entra/entra.module';
import { RateLimitModule } from '../shared/rate-limit/rate-limit.module';
import { AppConfig } from '../config/app-config';
import { AccessTokenVerifier } from '../shared/access-token-verifier.port';
import { AUTHORIZATION_SERVER_ROUTES, AuthorizationServerOffMiddleware } from './authorization-server-off.middleware';
import { AuthorizationCodeService } from './authorization-code.service';
import { AuthorizationFlowService } from './authorization-flow.service';
import { AuthorizationController } from './authorization.controller';
import { OAuthCorsMiddleware } from './cors.middleware';
import { GrantsModule } from './grants.module';
import { MetadataController } from './metadata.controller';
import { OAuthAccessTokenVerifier } from './oauth-access-token.verifier';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';
import { UpstreamSignInService } from './upstream-sign-in.service';

/**
 * This server as the OAuth 2.1 authorization server of MCP clients: metadata, `/authorize`,
 * consent, Entra callback, `/token`, `/revoke`; codes, token issuing and rotation.
 * Exports the port the MCP module's bearer guard uses (AccessTokenVerifier) and, through
 * GrantsModule, GrantLiveness and UpstreamTokens; the connected apps page uses UpstreamSignInService.
 */
@Module({
  imports: [AccountSessionModule, ClientRegistryModule, ConsentModule, EntraModule, GrantsModule, RateLimitModule],
  controllers: [MetadataController, AuthorizationController, TokenController],
  providers: [
    AuthorizationCodeService,
    TokenService,
    UpstreamSignInService,
    AuthorizationFlowService,
    { provide: AccessTokenVerifier, useClass: OAuthAccessTokenVerifier },
  ],
  exports: [AccessTokenVerifier, GrantsModule, UpstreamSignInService],
})
export class OAuthModule implements NestModule {
  constructor(private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    if (this.config.authMode === 'direct') {
      consumer.apply(AuthorizationServerOffMiddleware).forRoutes(...AUTHORIZATION_SERVER_ROUTES.map((path) => ({ path, method: RequestMethod.ALL })));
    }
    consumer.apply(OAuthCorsMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
