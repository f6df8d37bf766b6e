import { HttpException, HttpStatus } from '@nestjs/common';
import { SUPPORTED_SCOPES } from '../shared/scopes';
import { bearerChallenge, protectedResourceMetadataUrl } from './www-authenticate';

/**
 * An HTTP answer of the MCP endpoints that is not the transport's own: auth
 * challenges, unknown sessions, refused hosts. Written by McpHttpErrorFilter with
 * its exact headers.
 */
export class McpHttpError extends HttpException {
  constructor(
    status: number,
    body: Record<string, unknown>,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body, status);
  }
}

/** JSON-RPC error body without an id, as the SDK transports answer HTTP-level errors. */
function jsonRpcError(code: number, message: string): Record<string, unknown> {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/** RFC 6750 §3.1 + MCP Authorization: 401 without a token (no `error`, the client should just authenticate). */
export function missingTokenError(serverOrigin: string, scope: readonly string[] = SUPPORTED_SCOPES): McpHttpError {
  return new McpHttpError(
    HttpStatus.UNAUTHORIZED,
    { error: 'unauthorized', error_description: 'This endpoint needs an access token: Authorization: Bearer <token>.' },
    { 'WWW-Authenticate': bearerChallenge({ resourceMetadata: protectedResourceMetadataUrl(serverOrigin), scope }) },
  );
}

/** RFC 6750 §3.1: a token was sent and is unknown, expired, revoked, malformed or for another resource. */
export function invalidTokenError(serverOrigin: string, scope: readonly string[] = SUPPORTED_SCOPES): McpHttpError {
  return new McpHttpError(
    HttpStatus.UNAUTHORIZED,
    { error: 'invalid_token', error_description: 'The access token is invalid, expired or revoked.' },
    {
      'WWW-Authenticate': bearerChallenge({
        resourceMetadata: protectedResourceMetadataUrl(serverOrigin),
        scope,
        error: 'invalid_token',
      }),
    },
  );
}

/** RFC 6750 §3.1 + MCP Authorization "Scope Challenge Handling": 403 naming the scopes needed. */
export function insufficientScopeError(serverOrigin: string, needed: readonly string[], what: string): McpHttpError {
  const description = `${what} needs the scope ${needed.join(' ')}.`;
  return new McpHttpError(
    HttpStatus.FORBIDDEN,
    { error: 'insufficient_scope', error_description: description, scope: needed.join(' ') },
    {
      'WWW-Authenticate': bearerChallenge({
        resourceMetadata: protectedResourceMetadataUrl(serverOrigin),
        scope: needed,
        error: 'insufficient_scope',
        errorDescription: description,
      }),
    },
  );
}

/**
 * Unknown, expired, closed, or another grant's session: all look the same (404),
 * so a session id reveals nothing to someone else (MCP Streamable HTTP, "Session Management").
 */
export function sessionNotFoundError(): McpHttpError {
  return new McpHttpError(HttpStatus.NOT_FOUND, jsonRpcError(-32001, 'Session not found'));
}

/** A grant already holds MCP_MAX_SESSIONS_PER_GRANT open sessions on this instance (see McpSessionRegistry.assertRoomFor). */
export function tooManySessionsError(limit: number): McpHttpError {
  return new McpHttpError(
    HttpStatus.TOO_MANY_REQUESTS,
    jsonRpcError(-32000, `Too many open MCP sessions for this sign-in (the limit is ${limit}): close one before opening another.`),
  );
}

/** The instance holding an SSE session's stream is reachable but did not take a message in time. */
export function relayTimeoutError(): McpHttpError {
  return new McpHttpError(
    HttpStatus.SERVICE_UNAVAILABLE,
    jsonRpcError(-32000, 'The server holding this session did not answer in time; retry, or reconnect if it keeps failing.'),
    { 'Retry-After': '1' },
  );
}

/** Direct mode: Entra's discovery document or signing keys cannot be fetched, so no Entra token can be checked now. */
export function entraUnavailableError(): McpHttpError {
  return new McpHttpError(
    HttpStatus.SERVICE_UNAVAILABLE,
    jsonRpcError(-32000, 'Microsoft Entra ID cannot be reached to check the access token; retry shortly.'),
    { 'Retry-After': '5' },
  );
}

/** DNS-rebinding protection: the same answer as the SDK's own host check. */
export function invalidHostError(): McpHttpError {
  return new McpHttpError(HttpStatus.FORBIDDEN, jsonRpcError(-32000, 'Invalid Host header'));
}
