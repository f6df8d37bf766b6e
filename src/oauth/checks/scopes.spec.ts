import { parseRequestedScopes } from './scopes';

describe('parseRequestedScopes (DESIGN.md Scopes, RFC 6749 §3.3)', () => {
  it('grants every offered scope when scope is missing or empty', () => {
    expect(parseRequestedScopes(undefined)).toEqual({ ok: true, scopes: ['mcp:tools', 'user.read'] });
    expect(parseRequestedScopes('')).toEqual({ ok: true, scopes: ['mcp:tools', 'user.read'] });
  });

  it('grants exactly the requested offered scopes, sorted and de-duplicated', () => {
    expect(parseRequestedScopes('user.read mcp:tools user.read')).toEqual({ ok: true, scopes: ['mcp:tools', 'user.read'] });
    expect(parseRequestedScopes('mcp:tools')).toEqual({ ok: true, scopes: ['mcp:tools'] });
  });

  it('accepts and ignores offline_access', () => {
    expect(parseRequestedScopes('mcp:tools offline_access')).toEqual({ ok: true, scopes: ['mcp:tools'] });
    expect(parseRequestedScopes('offline_access')).toEqual({ ok: true, scopes: ['mcp:tools', 'user.read'] });
  });

  it('refuses unknown scopes, naming them', () => {
    expect(parseRequestedScopes('mcp:tools Mail.Read')).toEqual({ ok: false, unknown: ['Mail.Read'] });
    expect(parseRequestedScopes('openid')).toEqual({ ok: false, unknown: ['openid'] });
  });
});
