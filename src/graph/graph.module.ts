import { Module } from '@nestjs/common';
import { GrantsModule } from '../oauth/grants.module';
import { DEFAULT_GRAPH_CLIENT_OPTIONS, GRAPH_CLIENT_OPTIONS, GraphClient } from './graph-client';

/** Microsoft Graph, called with the Entra token held server-side for a grant (the UpstreamTokens port). */
@Module({
  imports: [GrantsModule],
  providers: [{ provide: GRAPH_CLIENT_OPTIONS, useValue: DEFAULT_GRAPH_CLIENT_OPTIONS }, GraphClient],
  exports: [GraphClient],
})
export class GraphModule {}
