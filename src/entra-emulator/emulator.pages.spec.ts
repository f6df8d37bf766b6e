import { DEMO_USERS } from './demo-users';
import { escapeHtml, signInPage } from './emulator.pages';

describe('emulator pages', () => {
  it('escapes HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('renders one submit button per demo user, labelled with exactly the display name, Adele Vance first', () => {
    const html = signInPage('/t/oauth2/v2.0/interaction/abc/login', DEMO_USERS, 'MCP server');
    const labels = [...html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((m) => m[1]);
    expect(labels).toEqual(['Adele Vance', 'Megan Bowen', 'Alex Wilber']);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('gives every demo user a distinct GUID oid in the emulator tenant', () => {
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(new Set(DEMO_USERS.map((u) => u.oid)).size).toBe(DEMO_USERS.length);
    for (const user of DEMO_USERS) expect(user.oid).toMatch(guid);
  });
});
