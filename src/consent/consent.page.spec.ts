import { renderConsentPage, redirectUriWithHost } from './consent.page';

const base = {
  clientName: 'Inspector',
  clientId: 'cid-1',
  registeredAt: Math.floor(Date.now() / 1000),
  redirectUri: 'https://app.example.com/oauth/callback?x=1',
  scopes: ['mcp:tools', 'user.read'],
  requestId: 'req-1',
  csrfToken: 'tok-1',
  offline: true,
  serverName: 'Contoso HR tools',
};

describe('consent page (DESIGN.md Consent page)', () => {
  it('HTML-escapes the client name everywhere it is shown (stored XSS via client_name)', () => {
    const page = renderConsentPage({ ...base, clientName: '<img src=x onerror=alert(1)>"Evil' });
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&#60;img src&#61;x onerror&#61;alert(1)&#62;&#34;Evil');
  });

  it('shows the full redirect URI with its host emphasized', () => {
    const shown = redirectUriWithHost('https://app.example.com:8443/oauth/callback?x=1').value;
    expect(shown).toBe('https:&#47;&#47;<strong>app.example.com:8443</strong>&#47;oauth&#47;callback?x&#61;1');
  });

  it('has Allow and Deny buttons and the hidden request and CSRF fields', () => {
    const page = renderConsentPage(base);
    expect(page).toMatch(/<button type="submit" name="decision" value="allow" class="primary">Allow<\/button>/);
    expect(page).toMatch(/<button type="submit" name="decision" value="deny">Deny<\/button>/);
    expect(page).toContain('name="csrf_token" value="tok-1"');
    expect(page).toContain('name="request" value="req-1"');
  });

  it('names this server (SERVER_NAME) in its header, HTML-escaped', () => {
    expect(renderConsentPage(base)).toContain('<span>Contoso HR tools · sign-in</span>');
    expect(renderConsentPage({ ...base, serverName: 'A & B' })).toContain('A &#38; B · sign-in');
  });

  it('describes the scopes in plain words', () => {
    const page = renderConsentPage(base);
    expect(page).toContain('Read your name and profile from Microsoft Graph');
    expect(page).toContain('Use this server&#39;s tools as you');
  });

  it('warns about new clients and loopback redirects', () => {
    expect(renderConsentPage(base)).toContain('registered itself with this server recently');
    const loopback = renderConsentPage({ ...base, redirectUri: 'http://127.0.0.1:6274/oauth/callback' });
    expect(loopback).toContain('a program on this computer (127.0.0.1:6274)');
  });

  it('names the host of a client metadata document prominently, says the name is unverified and that it asks every time', () => {
    const page = renderConsentPage({ ...base, clientId: 'https://tools.example.org/mcp/client.json', documentHost: 'tools.example.org' });
    expect(page).toContain('<p class="origin" aria-label="Application origin">An application from <strong>tools.example.org</strong></p>');
    expect(page).toContain('Its name is chosen by whoever controls tools.example.org and has not been verified.');
    expect(page).toContain('You are asked every time this application signs in');
    expect(page).not.toContain('registered itself with this server recently');
    expect(renderConsentPage(base)).not.toContain('An application from');
  });

  it('escapes a metadata document host like any other untrusted text', () => {
    const page = renderConsentPage({ ...base, documentHost: '<b>x</b>' });
    expect(page).not.toContain('<b>x</b>');
  });

  it('loads no external assets', () => {
    const page = renderConsentPage(base);
    expect(page).not.toMatch(/<(script|link|img)\b/);
    expect(page).not.toMatch(/src="http/);
  });

  it('links to the connected apps page, where the user can revoke what they allowed', () => {
    expect(renderConsentPage(base)).toContain('<a href="/account">Manage connected apps</a>');
  });
});
