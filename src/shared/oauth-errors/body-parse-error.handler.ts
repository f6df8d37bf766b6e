import type { NextFunction, Request, Response } from 'express';
import { renderErrorPage } from '../pages/html';
import { sendPage } from '../pages/page-headers';

/** What body-parser attaches to the errors it raises (http-errors). */
export interface BodyParserError {
  status?: number;
  type?: string;
  /** zlib's numeric error number, kept by body-parser when inflating fails (corrupt gzip/deflate/br data). */
  errno?: number;
}

const MCP_PATHS = ['/mcp', '/messages'];

/** Pages that people see (the consent form posts here): errors are pages too. */
const isBrowserPath = (path: string) => path === '/authorize' || path.startsWith('/auth/');

const BODY_PARSER_TYPES = new Set(['encoding.unsupported', 'charset.unsupported', 'request.aborted']);

/**
 * body-parser passes zlib's error on with status 400 and no `type` when a body's
 * `Content-Encoding` data is corrupt (zlib errors carry a numeric `errno`).
 */
function isDecompressionError(error: BodyParserError): boolean {
  return error.type === undefined && error.status === 400 && typeof error.errno === 'number';
}

function isBodyParserError(error: unknown): error is Error & BodyParserError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as BodyParserError;
  const type = candidate.type;
  return (typeof type === 'string' && (type.startsWith('entity.') || BODY_PARSER_TYPES.has(type))) || isDecompressionError(candidate);
}

/** One readable sentence per body-parser failure; never the parser's own message (it may quote the body). */
function describe(error: BodyParserError): string {
  if (isDecompressionError(error)) return 'The request body could not be decompressed: its data does not match its Content-Encoding.';
  switch (error.type) {
    case 'entity.too.large':
      return 'The request body is too large.';
    case 'entity.parse.failed':
      return 'The request body is not valid JSON.';
    case 'encoding.unsupported':
      return 'The request body has an unsupported Content-Encoding (gzip, deflate, br or none are accepted).';
    case 'charset.unsupported':
      return 'The request body has an unsupported charset (use utf-8).';
    default:
      return 'The request body could not be read.';
  }
}

/**
 * The JSON-RPC answer on the MCP transports. JSON-RPC 2.0 §5.1: -32700 for a body that cannot
 * be parsed (bad JSON, corrupt compression); -32600 for a request we would not read at all (too
 * large, unsupported encoding or charset).
 */
export function jsonRpcBodyError(error: BodyParserError): { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } {
  const unparsable = error.type === 'entity.parse.failed' || isDecompressionError(error);
  return { jsonrpc: '2.0', error: { code: unparsable ? -32700 : -32600, message: describe(error) }, id: null };
}

/**
 * Express error middleware, installed right after the body parsers: a body that cannot be
 * parsed (malformed JSON, too large, corrupt or unknown encoding) fails before any Nest route
 * runs, so the routes' own error shapes never apply. This answers in the shape the endpoint
 * speaks: JSON-RPC on the MCP transports, an error page on the browser endpoints, an OAuth
 * error (RFC 6749 §5.2) everywhere else.
 */
export function bodyParseErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!isBodyParserError(error) || res.headersSent) return next(error);
  const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 400;
  const description = describe(error);
  if (isBrowserPath(req.path)) {
    sendPage(res, status, renderErrorPage('This sign-in request cannot continue', description));
    return;
  }
  res.status(status).set('Cache-Control', 'no-store');
  if (MCP_PATHS.includes(req.path)) {
    res.json(jsonRpcBodyError(error));
    return;
  }
  res.json({ error: 'invalid_request', error_description: description });
}
