import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AppConfig } from '../config/app-config';
import { InvalidTokenError } from '../oauth/access-token-verifier.port';
import { UserContext } from '../oauth/user-context';
import { BearerTokenMissingError, McpBearerStrategy } from './bearer.strategy';
import { invalidTokenError, missingTokenError } from './mcp-http.errors';

/**
 * Every request to /sse, /messages and /mcp needs `Authorization: Bearer <token>`
 * issued by this server. On success `req.user` is the typed UserContext.
 * `handleRequest` is overridden so the exact `WWW-Authenticate` challenge
 * (DESIGN.md) reaches the client instead of passport's bare 401.
 */
@Injectable()
export class McpBearerGuard extends AuthGuard() {
  constructor(
    strategy: McpBearerStrategy,
    private readonly config: AppConfig,
  ) {
    super({ defaultStrategy: strategy.strategyName, session: false });
  }

  override handleRequest<TUser = UserContext>(error: unknown, user: TUser | false, _info: unknown, _context: ExecutionContext): TUser {
    if (!error && user) return user;
    if (error instanceof BearerTokenMissingError || (!error && !user)) throw missingTokenError(this.config.serverOrigin);
    if (error instanceof InvalidTokenError) throw invalidTokenError(this.config.serverOrigin);
    // Anything else (store unreachable…) is the server's problem, not the token's: a 5xx, never a 401.
    throw error;
  }
}
