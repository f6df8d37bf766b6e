import { Injectable, NestMiddleware } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/** The CORS headers of every `/mcp` answer (the direct route sets them too). */
export function setMcpCorsHeaders(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  // `/mcp` is stateless: no Mcp-Session-Id to expose.
  res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
}

/**
 * CORS for browser-based MCP clients on `/mcp` (DESIGN.md: CORS). Bearer tokens,
 * no cookies: any origin may call (`*`, no credentials); the Host check and the
 * bearer guard still apply. Preflights are answered here, before the guards.
 * Not on `/sse` and `/messages`.
 */
@Injectable()
export class McpCorsMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    setMcpCorsHeaders(res);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Session-Id, Last-Event-ID');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  }
}
