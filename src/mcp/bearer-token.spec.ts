import { bearerTokenFrom } from './bearer-token';

describe('bearerTokenFrom (RFC 6750 §2.1, header only)', () => {
  it('reads the token of an Authorization: Bearer header, scheme case-insensitive', () => {
    expect(bearerTokenFrom('Bearer abc.DEF-123_~+/=')).toBe('abc.DEF-123_~+/=');
    expect(bearerTokenFrom('bearer abc')).toBe('abc');
  });

  it('sees no credentials without a header or with another scheme', () => {
    expect(bearerTokenFrom(undefined)).toBeUndefined();
    expect(bearerTokenFrom('')).toBeUndefined();
    expect(bearerTokenFrom('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerTokenFrom('Bearertoken')).toBeUndefined();
  });

  it('treats a Bearer header without a well-formed token as an invalid token', () => {
    expect(bearerTokenFrom('Bearer')).toBeNull();
    expect(bearerTokenFrom('Bearer ')).toBeNull();
    expect(bearerTokenFrom('Bearer two tokens')).toBeNull();
    expect(bearerTokenFrom('Bearer "quoted"')).toBeNull();
  });
});
