import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, errors as joseErrors, JSONWebKeySet, jwtVerify } from 'jose';
import { DemoUser, findDemoUser } from './demo-users';

/** How the Graph stand-in misbehaves, for tests of failure handling. */
export type GraphFailure = 'none' | '429' | '503' | 'unreachable' | '401';

/** Resource indicator and audiences of Microsoft Graph (Entra accepts both forms). */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_SCOPE = 'User.Read';

/** Graph's error body shape: `{ error: { code, message, innerError } }`. */
function sendGraphError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({
    error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID() } },
  });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** What GET /v1.0/me returns for a user (the subset of Graph's user resource that matters here). */
export function graphUser(user: DemoUser): Record<string, unknown> {
  return {
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
    businessPhones: [],
    displayName: user.name,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: user.officeLocation,
    preferredLanguage: 'en-US',
    surname: user.surname,
    userPrincipalName: user.preferredUsername,
    id: user.oid,
  };
}

/**
 * A stand-in for Microsoft Graph's `GET /v1.0/me`: accepts only the emulator's
 * own access tokens for Graph (signature against the emulator's keys, issuer,
 * audience, expiry, `User.Read` in `scp`), answers like Graph does, and can be
 * switched to fail for tests.
 */
export class GraphStandIn {
  failure: GraphFailure = 'none';
  /** Requests that reached `/v1.0/me`, failed or not (tests use it to see caching). */
  meRequests = 0;
  private readonly keys: ReturnType<typeof createLocalJWKSet>;

  constructor(
    private readonly issuer: string,
    publicKeys: JSONWebKeySet,
    /** The stand-in this one replaces (after a key rotation): its switches and counters carry over. */
    previous?: GraphStandIn,
  ) {
    this.keys = createLocalJWKSet(publicKeys);
    if (previous) {
      this.failure = previous.failure;
      this.meRequests = previous.meRequests;
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path !== '/v1.0/me') {
      sendGraphError(res, 400, 'BadRequest', `Resource not found for the segment '${path.split('/').pop() ?? ''}'.`);
      return;
    }
    if (req.method !== 'GET') {
      sendGraphError(res, 405, 'Request_BadRequest', 'The requested method is not allowed on this resource.', { Allow: 'GET' });
      return;
    }
    this.meRequests += 1;
    switch (this.failure) {
      case 'unreachable':
        req.socket.destroy();
        return;
      case '429':
        sendGraphError(res, 429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': '1' });
        return;
      case '503':
        sendGraphError(res, 503, 'ServiceUnavailable', 'Service unavailable.', { 'Retry-After': '1' });
        return;
      case '401':
        this.unauthorized(res, 'Access token validation failure. Invalid audience.');
        return;
      case 'none':
        break;
    }

    const match = /^Bearer ([\w.~+/-]+=*)$/.exec(req.headers.authorization ?? '');
    if (!match) {
      this.unauthorized(res, 'Access token is empty.');
      return;
    }
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(match[1]!, this.keys, {
        issuer: this.issuer,
        audience: [GRAPH_APP_ID, GRAPH_RESOURCE],
        algorithms: ['RS256'],
        typ: 'at+jwt',
      }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      this.unauthorized(res, expired ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure.');
      return;
    }
    const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
    const user = typeof claims.oid === 'string' ? findDemoUser(claims.oid) : undefined;
    if (!scopes.some((s) => s.toLowerCase() === GRAPH_SCOPE.toLowerCase())) {
      sendGraphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      return;
    }
    if (!user) {
      sendGraphError(res, 404, 'Request_ResourceNotFound', 'The user of this token does not exist.');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json;odata.metadata=minimal', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(graphUser(user)));
  }

  private unauthorized(res: ServerResponse, message: string): void {
    sendGraphError(res, 401, 'InvalidAuthenticationToken', message, {
      'WWW-Authenticate': `Bearer realm="", authorization_uri="${this.issuer.replace(/\/v2\.0$/, '')}/oauth2/v2.0/authorize", client_id="${GRAPH_APP_ID}"`,
    });
  }
}
