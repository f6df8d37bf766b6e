import type { RegisteredClient } from '../client-registry/registered-client';
import { isWellFormedS256Challenge } from './checks/pkce';
import { canonicalResource, isThisServerResource } from './checks/resource';
import { parseRequestedScopes } from './checks/scopes';
import { OAuthError, OAuthErrorCode, RedirectableOAuthError } from '../shared/oauth-errors';
import type { AuthorizationRequest } from './oauth.records';
import { redactUrl } from '../logging/redact';

export type Query = Record<string, unknown>;

/** RFC 6749 §3.1: parameters must not be repeated. `undefined` when absent. */
function single(query: Query, name: string): string | undefined | typeof REPEATED {
  const value = query[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : REPEATED;
}
const REPEATED = Symbol('repeated');

/** A URI from a request, fit for one log line: secret query parameters redacted, length capped. */
function logSafe(uri: string): string {
  const redacted = redactUrl(uri);
  return redacted.length > 300 ? `${redacted.slice(0, 300)}…` : redacted;
}

/** The `client_id` of an authorization request, or a page error (phase 1: never redirected). */
export function requireClientId(query: Query): string {
  const clientId = single(query, 'client_id');
  if (clientId === REPEATED || !clientId) {
    throw new OAuthError(OAuthErrorCode.InvalidRequest, 'The request does not name its application (client_id is missing or repeated).');
  }
  return clientId;
}

/**
 * Phase 1 (RFC 6749 §4.1.2.1, OAuth 2.1 §4.1.2.1): the client is known and the redirect URI is
 * exactly one it registered (string equality, also on loopback). Until this holds, errors are
 * shown to the user as a page and never redirected: no open redirect.
 */
export function resolveRedirectUri(query: Query, client: RegisteredClient | null): { client: RegisteredClient; redirectUri: string; given: boolean } {
  if (!client) {
    throw new OAuthError(OAuthErrorCode.InvalidClient, 'This application is not registered with this server, or its registration has expired.', { status: 400 });
  }
  const given = single(query, 'redirect_uri');
  if (given === REPEATED) throw new OAuthError(OAuthErrorCode.InvalidRequest, 'The redirect address is repeated in the request.');
  if (given === undefined) {
    // OAuth 2.1 §4.1.1: optional only when exactly one redirect URI is registered.
    if (client.redirect_uris.length === 1) return { client, redirectUri: client.redirect_uris[0]!, given: false };
    throw new OAuthError(OAuthErrorCode.InvalidRequest, 'The request does not say where to return (redirect_uri is missing).');
  }
  if (!client.redirect_uris.includes(given)) {
    throw new OAuthError(OAuthErrorCode.InvalidRequest, 'The redirect address in the request is not one this application registered.', {
      logDetail: `refused redirect_uri for client ${client.client_id}: received ${JSON.stringify(logSafe(given))}, registered ${client.redirect_uris.map((uri) => JSON.stringify(logSafe(uri))).join(', ')} (exact match required)`,
    });
  }
  return { client, redirectUri: given, given: true };
}

/**
 * Phase 2: everything else, answered to the client's redirect URI with its `state` and our `iss`:
 * `response_type=code`; PKCE S256 required, `plain` refused (OAuth 2.1 §4.1.1, RFC 7636 §4.3);
 * `resource` is this server (RFC 8707 §2); scopes as DESIGN.md defines them.
 */
export function checkAuthorizationParameters(
  query: Query,
  client: RegisteredClient,
  redirect: { redirectUri: string; given: boolean },
  serverOrigin: string,
): AuthorizationRequest {
  const rawState = single(query, 'state');
  const state = rawState === REPEATED ? undefined : rawState;
  const fail = (code: OAuthErrorCode, description: string) => new RedirectableOAuthError(code, description, redirect.redirectUri, state, serverOrigin);
  if (rawState === REPEATED) throw fail(OAuthErrorCode.InvalidRequest, 'The state parameter is repeated.');
  for (const name of ['response_type', 'code_challenge', 'code_challenge_method', 'scope']) {
    if (single(query, name) === REPEATED) throw fail(OAuthErrorCode.InvalidRequest, `The ${name} parameter is repeated.`);
  }

  const responseType = query.response_type as string | undefined;
  if (responseType === undefined) throw fail(OAuthErrorCode.InvalidRequest, 'response_type is required.');
  if (responseType !== 'code') throw fail(OAuthErrorCode.UnsupportedResponseType, 'Only response_type=code is supported.');
  if (!client.grant_types.includes('authorization_code')) {
    throw fail(OAuthErrorCode.UnauthorizedClient, 'This application is not registered for the authorization code grant.');
  }

  const challenge = query.code_challenge as string | undefined;
  const method = query.code_challenge_method as string | undefined;
  if (!challenge) throw fail(OAuthErrorCode.InvalidRequest, 'PKCE is required: code_challenge is missing.');
  if (method !== 'S256') throw fail(OAuthErrorCode.InvalidRequest, 'PKCE code_challenge_method must be S256.');
  if (!isWellFormedS256Challenge(challenge)) throw fail(OAuthErrorCode.InvalidRequest, 'The code_challenge is not a valid S256 challenge.');

  const resources = query.resource === undefined ? [] : Array.isArray(query.resource) ? query.resource : [query.resource];
  if (resources.some((r) => typeof r !== 'string' || !isThisServerResource(r, serverOrigin))) {
    throw fail(OAuthErrorCode.InvalidTarget, 'The requested resource is not this server.');
  }

  const scopes = parseRequestedScopes(query.scope as string | undefined);
  if (!scopes.ok) throw fail(OAuthErrorCode.InvalidScope, 'The request asks for a scope this server does not offer.');

  return {
    clientId: client.client_id,
    redirectUri: redirect.redirectUri,
    redirectUriGiven: redirect.given,
    scopes: scopes.scopes,
    state,
    codeChallenge: challenge,
    resource: canonicalResource(serverOrigin),
  };
}
