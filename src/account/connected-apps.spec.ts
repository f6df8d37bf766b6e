import { clientHost, groupConnectedApps } from './connected-apps';

const grant = (grantId: string, clientId: string, createdAt: number, lastUsedAt: number | null, scopes = ['mcp:tools']) => ({
  grantId,
  clientId,
  redirectUri: `http://127.0.0.1:${createdAt}/cb`,
  scopes,
  createdAt,
  lastUsedAt,
});

describe('connected apps', () => {
  it('shows a registered client by its redirect host, and a metadata-document (CIMD) client by its document host', () => {
    expect(clientHost('0c7d…uuid', 'http://127.0.0.1:6274/oauth/callback')).toEqual({ host: '127.0.0.1:6274', hostKind: 'redirect' });
    expect(clientHost('https://app.example.com/oauth/client.json', 'https://cb.example.net/cb')).toEqual({ host: 'app.example.com', hostKind: 'metadata-document' });
  });

  it('folds the grants of one client together: first approval, last use, every scope, every grant to revoke', () => {
    const apps = groupConnectedApps([grant('g2', 'a', 2000, 5000, ['user.read']), grant('g1', 'a', 1000, null), grant('g3', 'b', 3000, null)]);
    expect(apps).toEqual([
      { clientId: 'a', host: '127.0.0.1:1000', hostKind: 'redirect', scopes: ['mcp:tools', 'user.read'], firstApprovedAt: 1000, lastUsedAt: 5000, grantIds: ['g1', 'g2'] },
      { clientId: 'b', host: '127.0.0.1:3000', hostKind: 'redirect', scopes: ['mcp:tools'], firstApprovedAt: 3000, lastUsedAt: null, grantIds: ['g3'] },
    ]);
  });
});
