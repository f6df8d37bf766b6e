import type { RegisteredClient } from '../client-registry/registered-client';
import { checkAuthorizationParameters, requireClientId, resolveRedirectUri } from './authorization-request';
import { OAuthError, RedirectableOAuthError } from '../shared/oauth-errors';

const ORIGIN = 'https://mcp.example.com';
const client: RegisteredClient = {
  client_id: 'c1',
  client_id_issued_at: 0,
  redirect_uris: ['http://127.0.0.1:6274/oauth/callback', 'https://app.example.com/cb'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  last_used_at: 0,
};
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const valid = {
  client_id: 'c1',
  redirect_uri: 'https://app.example.com/cb',
  response_type: 'code',
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  state: 'xyz',
};

function phase2(query: Record<string, unknown>) {
  return checkAuthorizationParameters(query, client, { redirectUri: 'https://app.example.com/cb', given: true }, ORIGIN);
}

function redirectedError(query: Record<string, unknown>): RedirectableOAuthError {
  try {
    phase2(query);
  } catch (e) {
    if (e instanceof RedirectableOAuthError) return e;
    throw e;
  }
  throw new Error('expected a redirected error');
}

describe('authorization request, phase 1: client and exact redirect URI (never redirected)', () => {
  it('requires a single client_id', () => {
    expect(() => requireClientId({})).toThrow(OAuthError);
    expect(() => requireClientId({ client_id: ['a', 'b'] })).toThrow(/repeated/);
  });

  it('refuses an unknown client as a page error', () => {
    const error = (() => {
      try {
        resolveRedirectUri(valid, null);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).not.toBeInstanceOf(RedirectableOAuthError);
  });

  it('matches the redirect URI exactly, loopback port included (OAuth 2.1 §4.1.2.1)', () => {
    expect(resolveRedirectUri({ redirect_uri: 'https://app.example.com/cb' }, client).redirectUri).toBe('https://app.example.com/cb');
    for (const near of ['https://app.example.com/cb/', 'https://app.example.com/cb?x=1', 'http://127.0.0.1:6275/oauth/callback', 'https://APP.example.com/cb', 'https://evil.example.com/cb']) {
      expect(() => resolveRedirectUri({ redirect_uri: near }, client)).toThrow(OAuthError);
    }
  });

  it('uses the only registered redirect URI when none is given, and refuses to guess among several', () => {
    const one = { ...client, redirect_uris: ['https://app.example.com/cb'] };
    expect(resolveRedirectUri({}, one)).toEqual({ client: one, redirectUri: 'https://app.example.com/cb', given: false });
    expect(() => resolveRedirectUri({}, client)).toThrow(/missing/);
  });
});

describe('authorization request, phase 2: redirected with state and iss', () => {
  it('accepts a valid request and binds it to the canonical resource', () => {
    expect(phase2({ ...valid, resource: `${ORIGIN}/mcp` })).toEqual({
      clientId: 'c1',
      redirectUri: 'https://app.example.com/cb',
      redirectUriGiven: true,
      scopes: ['mcp:tools', 'user.read'],
      state: 'xyz',
      codeChallenge: CHALLENGE,
      resource: `${ORIGIN}/`,
    });
  });

  it.each([
    ['missing response_type', { response_type: undefined }, 'invalid_request'],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['missing code_challenge (PKCE required)', { code_challenge: undefined }, 'invalid_request'],
    ['code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['missing code_challenge_method (defaults to plain)', { code_challenge_method: undefined }, 'invalid_request'],
    ['malformed code_challenge', { code_challenge: 'short' }, 'invalid_request'],
    ['another resource', { resource: 'https://other.example.com/' }, 'invalid_target'],
    ['a resource with a fragment', { resource: `${ORIGIN}/#x` }, 'invalid_target'],
    ['an unknown scope', { scope: 'mcp:tools Mail.Send' }, 'invalid_scope'],
    ['a repeated scope parameter', { scope: ['mcp:tools', 'user.read'] }, 'invalid_request'],
  ])('refuses %s', (_name, change, code) => {
    const error = redirectedError({ ...valid, ...change });
    expect(error.code).toBe(code);
    expect(error.state).toBe('xyz');
    expect(error.redirectUri).toBe('https://app.example.com/cb');
    expect(error.issuer).toBe(ORIGIN);
  });

  it('refuses clients not registered for the authorization code grant', () => {
    expect(() =>
      checkAuthorizationParameters(valid, { ...client, grant_types: ['refresh_token'] }, { redirectUri: 'https://app.example.com/cb', given: true }, ORIGIN),
    ).toThrow(expect.objectContaining({ code: 'unauthorized_client' }));
  });
});
