import { Module } from '@nestjs/common';
import { EntraModule } from '../entra/entra.module';
import { GrantsModule } from '../oauth/grants.module';
import { DEFAULT_GRAPH_CLIENT_OPTIONS, GRAPH_CLIENT_OPTIONS, GraphClient } from './graph-client';

/** Microsoft Graph, called with the Entra token held server-side for a grant (proxy mode) or obtained On-Behalf-Of the caller (direct mode). */
@Module({
  imports: [GrantsModule, EntraModule],
  providers: [{ provide: GRAPH_CLIENT_OPTIONS, useValue: DEFAULT_GRAPH_CLIENT_OPTIONS }, GraphClient],
  exports: [GraphClient],
})
export class GraphModule {}
