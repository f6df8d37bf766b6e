import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccountSessionModule } from '../account/account-session.module';
import { ClientRegistryModule } from '../client-registry/client-registry.module';
import { ConsentModule } from '../consent/consent.module';
import { EntraModule } from '../entra/entra.module';
import { Store } from '../store/store.port';
import { AppConfig } from '../config/app-config';
import { AccessTokenVerifier } from './access-token-verifier';
import { OAuthAccessTokenVerifier } from './access-token.verifier';
import { AuthorizationCodeService } from './authorization-code.service';
import { AuthorizationController } from './authorization.controller';
import { AuthorizationFlowService } from './authorization-flow.service';
import { OAuthCorsMiddleware } from './cors.middleware';
import { GrantLiveness } from './grant-liveness';
import { GrantService } from './grant.service';
import { GrantUsageService } from './grant-usage.service';
import { UserGrantIndex } from './user-grant.index';
import { MetadataController } from './metadata.controller';
import { rateLimitOptions } from './rate-limit.guard';
import { StoreThrottlerStorage } from './store-throttler.storage';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';
import { UpstreamSignInService } from './upstream-sign-in.service';
import { UpstreamTokens } from './upstream-tokens';
import { EntraUpstreamTokens } from './upstream-tokens.service';

/**
 * This server as the OAuth 2.1 authorization server of MCP clients: metadata, `/authorize`,
 * consent, Entra callback, `/token`, `/revoke`; grants, codes, token issuing and rotation.
 * Exports the ports the MCP and Graph modules use: AccessTokenVerifier, GrantLiveness, UpstreamTokens.
 */
@Module({
  imports: [
    AccountSessionModule,
    ClientRegistryModule,
    ConsentModule,
    EntraModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, Reflector, Store],
      useFactory: (config: AppConfig, reflector: Reflector, store: Store) => rateLimitOptions(config, reflector, new StoreThrottlerStorage(store)),
    }),
  ],
  controllers: [MetadataController, AuthorizationController, TokenController],
  providers: [
    GrantService,
    GrantUsageService,
    UserGrantIndex,
    AuthorizationCodeService,
    TokenService,
    EntraUpstreamTokens,
    UpstreamSignInService,
    AuthorizationFlowService,
    { provide: AccessTokenVerifier, useClass: OAuthAccessTokenVerifier },
    { provide: UpstreamTokens, useExisting: EntraUpstreamTokens },
    { provide: GrantLiveness, useExisting: GrantService },
  ],
  exports: [AccessTokenVerifier, GrantLiveness, UpstreamTokens, GrantService, GrantUsageService, UserGrantIndex, UpstreamSignInService],
})
export class OAuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(OAuthCorsMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
