import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * DESIGN.md "CORS": browser-based MCP clients call discovery, registration, token and
 * revocation from other origins. These endpoints use no cookies, so any origin may call
 * them (`*`, no credentials). Never applied to `/authorize` or `/auth/*`: those are pages
 * that rely on cookies and must not be readable cross-origin.
 */
export function isCorsPath(path: string): boolean {
  return path.startsWith('/.well-known/') || path === '/register' || path === '/token' || path === '/revoke';
}

@Injectable()
export class OAuthCorsMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    if (!isCorsPath(req.path)) return next();
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', req.path.startsWith('/.well-known/') ? 'GET, OPTIONS' : 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, MCP-Protocol-Version');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  }
}
