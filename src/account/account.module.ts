import { Module } from '@nestjs/common';
import { ClientRegistryModule } from '../client-registry/client-registry.module';
import { ConsentModule } from '../consent/consent.module';
import { OAuthModule } from '../oauth/oauth.module';
import { RateLimitModule } from '../shared/rate-limit/rate-limit.module';
import { AccountController } from './account.controller';
import { AccountService } from './account.service';
import { AccountSessionModule } from '../account-session/account-session.module';
import { ConnectedAppsService } from './connected-apps.service';

/** The connected apps page (`/account`): the user's view of the clients they allowed, with revocation. */
@Module({
  imports: [AccountSessionModule, ClientRegistryModule, ConsentModule, OAuthModule, RateLimitModule],
  controllers: [AccountController],
  providers: [AccountService, ConnectedAppsService],
})
export class AccountModule {}
