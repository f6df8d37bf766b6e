import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** The routes of this server's own authorization server (RFC 8414 metadata, RFC 7591, /authorize, /token, /revoke, /account). */
export const AUTHORIZATION_SERVER_ROUTES = [
  '.well-known/oauth-authorization-server',
  'register',
  'authorize',
  'auth/*path',
  'token',
  'revoke',
  // The connected apps page lists this server's grants and signs in through /auth/callback: neither exists here then.
  'account',
  'account/*path',
] as const;

/**
 * AUTH_MODE=direct: Entra ID is the only authorization server, so this server's own endpoints
 * answer 404 as if they did not exist (the protected resource metadata names Entra instead).
 */
@Injectable()
export class AuthorizationServerOffMiddleware implements NestMiddleware {
  use(_req: Request, res: Response, _next: NextFunction): void {
    res.status(404).setHeader('Cache-Control', 'no-store').json({
      error: 'not_found',
      error_description: 'This server does not issue tokens (AUTH_MODE=direct): get an access token from Microsoft Entra ID.',
    });
  }
}
