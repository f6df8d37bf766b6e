import { redirectUriProblem } from './redirect-uri.policy';

describe('redirect URI registration policy (OAuth 2.1 §2.3.1, RFC 8252 §7.3, RFC 6749 §3.1.2)', () => {
  it.each([
    'https://client.example.com/callback',
    'https://client.example.com/cb?tenant=a',
    'http://localhost:6274/oauth/callback',
    'http://127.0.0.1:6276/oauth/callback',
    'http://[::1]:9000/cb',
    'http://LOCALHOST/cb',
  ])('allows %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeNull();
  });

  it.each([
    ['http://client.example.com/cb', /https/],
    ['http://127.0.0.1.evil.com/cb', /https/],
    ['http://localhost.evil.com/cb', /https/],
    ['https://client.example.com/cb#frag', /fragment/],
    ['https://client.example.com/cb#', /fragment/],
    ['javascript:alert(1)', /https/],
    ['JavaScript:alert(1)//https://x', /https/],
    ['data:text/html,<script>alert(1)</script>', /https/],
    ['vbscript:msgbox(1)', /https/],
    ['file:///etc/passwd', /https/],
    ['ftp://client.example.com/', /https/],
    ['https://user:pass@client.example.com/cb', /credentials/],
    ['https://evil.com@client.example.com/cb', /credentials/],
    ['/relative/callback', /absolute/],
    ['', /between/],
    ['https://client.example.com/ cb', /whitespace/],
    ['https://client.example.com\\@evil.com/', /backslash/],
    [`https://client.example.com/${'a'.repeat(2000)}`, /between/],
  ])('refuses %s', (uri, reason) => {
    expect(redirectUriProblem(uri)).toMatch(reason);
    expect(redirectUriProblem(uri)).not.toBeNull();
  });
});
