import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { EntraScopeMissingError } from '../entra/entra-access-token.verifier';
import { EntraError } from '../entra/entra.errors';
import { InvalidTokenError } from '../shared/access-token-verifier.port';
import { UserContext } from '../shared/user-context';
import { SUPPORTED_SCOPES } from '../shared/scopes';
import { isPublic } from '../shared/auth/public.decorator';
import { BearerTokenMissingError, McpBearerStrategy } from './bearer.strategy';
import { EntraBearerStrategy } from './entra-bearer.strategy';
import { entraUnavailableError, insufficientScopeError, invalidTokenError, missingTokenError } from './mcp-http.errors';

/**
 * The global guard (McpModule registers it as APP_GUARD): every route needs
 * `Authorization: Bearer <token>` unless it is marked `@Public()` (deny by default): issued by
 * this server (AUTH_MODE proxy), by Entra ID for this API (direct), or either (both: the Entra
 * strategy first, it passes on opaque tokens). On success `req.user` is the typed UserContext.
 * `handleRequest` is overridden so the exact `WWW-Authenticate` challenge (DESIGN.md) reaches
 * the client instead of passport's bare 401.
 */
@Injectable()
export class McpBearerGuard extends AuthGuard() {
  /** The scopes a challenge names: this server's, or Entra's API scope when Entra is the only authorization server. */
  private readonly challengeScopes: readonly string[];

  constructor(
    strategy: McpBearerStrategy,
    entraStrategy: EntraBearerStrategy,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    const strategies = { proxy: [strategy.strategyName], direct: [entraStrategy.strategyName], both: [entraStrategy.strategyName, strategy.strategyName] };
    super({ defaultStrategy: strategies[config.authMode], session: false });
    this.challengeScopes = config.authMode === 'direct' ? [config.entraApi.fullScope] : SUPPORTED_SCOPES;
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
    const origin = this.config.serverOrigin;
    if (error instanceof BearerTokenMissingError || (!error && !user)) throw missingTokenError(origin, this.challengeScopes);
    if (error instanceof EntraScopeMissingError) throw insufficientScopeError(origin, [error.requiredScope], 'This MCP server');
    if (error instanceof InvalidTokenError) throw invalidTokenError(origin, this.challengeScopes);
    // Entra's discovery or keys unreachable (direct/both modes): nobody's token can be checked now.
    if (error instanceof EntraError) throw entraUnavailableError();
    // Anything else (store unreachable…) is the server's problem, not the token's: a 5xx, never a 401.
    throw error;
  }
}
