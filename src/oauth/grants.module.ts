import { Module } from '@nestjs/common';
import { EntraModule } from '../entra/entra.module';
import { GrantLiveness } from './grant-liveness';
import { GrantService } from './grant.service';
import { GrantUsageService } from './grant-usage.service';
import { UpstreamTokens } from './upstream-tokens';
import { EntraUpstreamTokens } from './upstream-tokens.service';
import { UserGrantIndex } from './user-grant.index';

/**
 * Grants and the Entra tokens they hold, on their own so that a module needing only a port
 * (Graph: UpstreamTokens; MCP sessions: GrantLiveness) imports this and not the whole
 * authorization server.
 */
@Module({
  imports: [EntraModule],
  providers: [
    GrantService,
    GrantUsageService,
    UserGrantIndex,
    EntraUpstreamTokens,
    { provide: UpstreamTokens, useExisting: EntraUpstreamTokens },
    { provide: GrantLiveness, useExisting: GrantService },
  ],
  exports: [GrantService, GrantUsageService, UserGrantIndex, UpstreamTokens, GrantLiveness],
})
export class GrantsModule {}
