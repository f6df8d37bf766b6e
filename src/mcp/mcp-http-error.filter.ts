import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { McpHttpError } from './mcp-http.errors';

/** Writes McpHttpError answers with their exact headers (`WWW-Authenticate` reaches the client unchanged). */
@Catch(McpHttpError)
export class McpHttpErrorFilter implements ExceptionFilter<McpHttpError> {
  catch(error: McpHttpError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(error.getStatus());
    res.setHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.json(error.getResponse());
  }
}
