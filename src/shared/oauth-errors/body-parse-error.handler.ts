import type { NextFunction, Request, Response } from 'express';

/** What body-parser attaches to the errors it raises (http-errors). */
interface BodyParserError {
  status?: number;
  type?: string;
}

const MCP_PATHS = ['/mcp', '/messages'];

function isBodyParserError(error: unknown): error is Error & BodyParserError {
  const type = (error as BodyParserError | null)?.type;
  return typeof type === 'string' && (type.startsWith('entity.') || type === 'encoding.unsupported' || type === 'charset.unsupported' || type === 'request.aborted');
}

/** One readable sentence per body-parser failure; never the parser's own message (it may quote the body). */
function describe(error: BodyParserError): string {
  switch (error.type) {
    case 'entity.too.large':
      return 'The request body is too large.';
    case 'entity.parse.failed':
      return 'The request body is not valid JSON.';
    default:
      return 'The request body could not be read.';
  }
}

/**
 * Express error middleware, installed right after the body parsers: a body that cannot be
 * parsed (malformed JSON, too large, bad encoding) fails before any Nest route runs, so the
 * routes' own error shapes never apply. This answers in the shape the endpoint speaks:
 * JSON-RPC on the MCP transports, an OAuth error (RFC 6749 §5.2) everywhere else.
 */
export function bodyParseErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!isBodyParserError(error) || res.headersSent) return next(error);
  const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 400;
  const description = describe(error);
  res.status(status).set('Cache-Control', 'no-store');
  if (MCP_PATHS.includes(req.path)) {
    // JSON-RPC 2.0 §5.1: -32700 parse error; -32600 for a request we could not read at all.
    const code = error.type === 'entity.parse.failed' ? -32700 : -32600;
    res.json({ jsonrpc: '2.0', error: { code, message: description }, id: null });
    return;
  }
  res.json({ error: 'invalid_request', error_description: description });
}
