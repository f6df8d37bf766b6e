import { redactBody, redactUrl } from './redact';

describe('redactUrl', () => {
  it('replaces the values of secret query parameters and keeps the rest', () => {
    expect(redactUrl('/auth/callback?code=abc123&state=xyz&session_state=1')).toBe(
      '/auth/callback?code=[REDACTED]&state=[REDACTED]&session_state=1',
    );
  });

  it('matches parameter names case-insensitively and percent-encoded', () => {
    expect(redactUrl('/x?Refresh_Token=r&%74oken=t')).toBe('/x?Refresh_Token=[REDACTED]&%74oken=[REDACTED]');
  });

  it('leaves URLs without a query untouched', () => {
    expect(redactUrl('/health')).toBe('/health');
  });
});

describe('redactBody', () => {
  it('replaces secret fields of a form body', () => {
    expect(redactBody({ grant_type: 'authorization_code', code: 'c', code_verifier: 'v', client_secret: 's' })).toEqual({
      grant_type: 'authorization_code',
      code: '[REDACTED]',
      code_verifier: '[REDACTED]',
      client_secret: '[REDACTED]',
    });
  });
});
