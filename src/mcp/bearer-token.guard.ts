import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { InvalidTokenError } from '../oauth/access-token-verifier.port';
import { UserContext } from '../oauth/user-context';
import { isPublic } from '../shared/auth/public.decorator';
import { BearerTokenMissingError, McpBearerStrategy } from './bearer.strategy';
import { invalidTokenError, missingTokenError } from './mcp-http.errors';

/**
 * The global guard (McpModule registers it as APP_GUARD): every route needs
 * `Authorization: Bearer <token>` issued by this server unless it is marked `@Public()`
 * (deny by default). On success `req.user` is the typed UserContext.
 * `handleRequest` is overridden so the exact `WWW-Authenticate` challenge
 * (DESIGN.md) reaches the client instead of passport's bare 401.
 */
@Injectable()
export class McpBearerGuard extends AuthGuard() {
  constructor(
    strategy: McpBearerStrategy,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    super({ defaultStrategy: strategy.strategyName, session: false });
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> | Observable<boolean> {
    // Tool calls also pass Nest's guards (ExternalContextCreator): they arrive only over the MCP
    // routes this guard has authenticated, and ToolScopeGuard checks their scopes.
    if (context.getType() !== 'http') return true;
    if (isPublic(this.reflector, context)) return true;
    return super.canActivate(context);
  }

  override handleRequest<TUser = UserContext>(error: unknown, user: TUser | false, _info: unknown, _context: ExecutionContext): TUser {
    if (!error && user) return user;
    if (error instanceof BearerTokenMissingError || (!error && !user)) throw missingTokenError(this.config.serverOrigin);
    if (error instanceof InvalidTokenError) throw invalidTokenError(this.config.serverOrigin);
    // Anything else (store unreachable…) is the server's problem, not the token's: a 5xx, never a 401.
    throw error;
  }
}
