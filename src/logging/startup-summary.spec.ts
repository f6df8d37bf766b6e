import { loadConfig } from '../config/load-config';
import { startupSummary } from './startup-summary';

describe('startup summary', () => {
  const base = { NODE_ENV: 'development', PORT: '8000', DATA_DIR: '/tmp/mcp-summary-test', AUTH_SIGNING_KEY: 'a'.repeat(64) };

  it('names the MCP URLs, the emulator with its demo users and the store in development', () => {
    const config = loadConfig({ ...base, SERVER_NAME: 'Contoso HR tools' });
    const text = startupSummary(config, { port: 8000, store: 'SQLite at /tmp/mcp-summary-test/mcp.sqlite', demoUsers: ['Adele Vance', 'Megan Bowen'] });
    expect(text.split('\n')[0]).toBe('Contoso HR tools is ready on http://localhost:8000 (port 8000, NODE_ENV=development)');
    expect(text).toContain('http://localhost:8000/mcp (Streamable HTTP)');
    expect(text).toContain('http://localhost:8000/sse (HTTP+SSE');
    expect(text).toContain('embedded Entra emulator at http://localhost:8001');
    expect(text).toContain('demo users: Adele Vance, Megan Bowen');
    expect(text).toContain('Store:     SQLite at /tmp/mcp-summary-test/mcp.sqlite');
  });

  it('names the Entra authority, app id and redirect URI against a real tenant, never the client secret', () => {
    const config = loadConfig({
      ...base,
      AUTH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      AUTH_CLIENT_ID: '00000000-1111-2222-3333-444444444444',
      AUTH_CLIENT_SECRET: 'do-not-print-this-secret',
    });
    const text = startupSummary(config, { port: 8000, store: 'Redis at redis://cache:6379 (key prefix "mcp:")' });
    expect(text).toContain('Microsoft Entra ID, authority https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0');
    expect(text).toContain('app (client) id 00000000-1111-2222-3333-444444444444, confidential (client secret set)');
    expect(text).toContain('redirect URI http://localhost:8000/auth/callback');
    expect(text).not.toContain('do-not-print-this-secret');
    expect(text).not.toContain('emulator');
  });
});
