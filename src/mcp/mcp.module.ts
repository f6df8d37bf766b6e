import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { GraphModule } from '../graph/graph.module';
import { OAuthModule } from '../oauth/oauth.module';
import { EntraModule } from '../entra/entra.module';
import { McpBearerGuard } from './bearer-token.guard';
import { McpBearerStrategy } from './bearer.strategy';
import { EntraBearerStrategy } from './entra-bearer.strategy';
import { McpCorsMiddleware } from './mcp-cors.middleware';
import { McpDirectRoute } from './mcp-direct-route';
import { McpServerFactory } from './mcp-server.factory';
import { McpSessionRegistry } from './mcp-session.registry';
import { DEFAULT_MCP_OPTIONS, MCP_OPTIONS } from './mcp.options';
import { RequestScopePolicy } from './request-scope.policy';
import { ServerStatusTool } from './server-status.tool';
import { SseController } from './sse.controller';
import { SseSessionRelay } from './sse-session.relay';
import { SseService } from './sse.service';
import { StreamableHttpController } from './streamable-http.controller';
import { StreamableHttpService } from './streamable-http.service';
import { ToolCallFastPath } from './tool-call-fast-path';
import { ToolCallService } from './tool-call.service';
import { ToolRegistry } from './tool-registry';
import { UserContextAccessor } from './user-context.accessor';
import { UserProfileTools } from './user-profile.tools';
import { WhoamiTool } from './whoami.tool';

/**
 * The MCP endpoints (`/sse` + `/messages`, `/mcp`) behind the bearer guard (global: every
 * route of the application needs a bearer token unless marked `@Public()`), and the
 * tools. A tool is one `@Injectable()` class with `@McpTool` methods, provided by
 * this module or by any module that imports it (for UserContextAccessor).
 */
@Module({
  imports: [DiscoveryModule, OAuthModule, GraphModule, EntraModule],
  controllers: [StreamableHttpController, SseController],
  providers: [
    { provide: MCP_OPTIONS, useValue: DEFAULT_MCP_OPTIONS },
    McpBearerStrategy,
    EntraBearerStrategy,
    // Deny by default: the bearer guard runs on every route of the application; public routes say @Public().
    { provide: APP_GUARD, useClass: McpBearerGuard },
    UserContextAccessor,
    ToolRegistry,
    ToolCallService,
    RequestScopePolicy,
    McpServerFactory,
    McpSessionRegistry,
    StreamableHttpService,
    McpDirectRoute,
    ToolCallFastPath,
    SseSessionRelay,
    SseService,
    UserProfileTools,
    WhoamiTool,
    ServerStatusTool,
  ],
  exports: [UserContextAccessor],
})
export class McpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(McpCorsMiddleware).forRoutes({ path: 'mcp', method: RequestMethod.ALL });
  }
}
