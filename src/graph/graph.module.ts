import { Module } from '@nestjs/common';
import { OAuthModule } from '../oauth/oauth.module';
import { GraphClient } from './graph-client';

/** Microsoft Graph, called with the Entra token held server-side for a grant. */
@Module({
  imports: [OAuthModule],
  providers: [GraphClient],
  exports: [GraphClient],
})
export class GraphModule {}
