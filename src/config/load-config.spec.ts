import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMULATOR_CLIENT_ID, EMULATOR_TENANT_ID } from './emulator.constants';
import { ConfigError, loadConfig } from './load-config';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '00000000-1111-2222-3333-444444444444';
const KEY = 'a'.repeat(64);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')), ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('starts in development with no variables at all, on the embedded emulator', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config.port).toBe(8000);
    expect(config.serverUrl).toBe('http://localhost:8000');
    expect(config.entra).toMatchObject({
      mode: 'embedded-emulator',
      tenantId: EMULATOR_TENANT_ID,
      clientId: EMULATOR_CLIENT_ID,
      authorityOrigin: 'http://localhost:8001',
      issuer: `http://localhost:8001/${EMULATOR_TENANT_ID}/v2.0`,
      redirectUri: 'http://localhost:8000/auth/callback',
    });
    expect(config.graphBaseUrl).toBe('http://localhost:8001/v1.0');
  });

  it('refuses to start on a development signing key file that does not hold a whole key (cut short by a crash), saying what to do', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dataDir, 'signing-key'), '');
    expect(() => loadConfig({ DATA_DIR: dataDir })).toThrow(/signing-key does not hold a whole signing key \(0 bytes; .*delete it to start with a new key/);
  });

  it('writes the development signing key through a temporary file it does not leave behind', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    loadConfig({ DATA_DIR: dataDir });
    expect(readdirSync(dataDir)).toEqual(['signing-key']);
  });

  it('generates the development signing key once, keeps it in DATA_DIR with mode 0600 and reuses it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const first = loadConfig({ DATA_DIR: dataDir });
    const second = loadConfig({ DATA_DIR: dataDir });
    expect(first.signingKey.length).toBe(32);
    expect(second.signingKey.equals(first.signingKey)).toBe(true);
    expect(statSync(join(dataDir, 'signing-key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'signing-key'), 'utf8').trim()).toBe(first.signingKey.toString('base64url'));
  });

  it('uses a real tenant when AUTH_TENANT_ID and AUTH_CLIENT_ID are set', () => {
    const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')), AUTH_TENANT_ID: TENANT, AUTH_CLIENT_ID: CLIENT });
    expect(config.entra).toMatchObject({
      mode: 'tenant',
      authorityOrigin: 'https://login.microsoftonline.com',
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    });
    expect(config.graphBaseUrl).toBe('https://graph.microsoft.com/v1.0');
  });

  it('accepts a loopback http origin as AUTH_AUTHORITY for a standalone emulator', () => {
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')),
      AUTH_TENANT_ID: TENANT,
      AUTH_CLIENT_ID: CLIENT,
      AUTH_AUTHORITY: 'http://localhost:9001',
    });
    expect(config.entra.issuer).toBe(`http://localhost:9001/${TENANT}/v2.0`);
  });

  it('rejects PORT=abc with one line naming the variable, the problem and an example', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual([
      'PORT: must be an integer port number between 0 and 65535 (got "abc"); for example PORT=8000',
    ]);
  });

  it('caps open MCP sessions per grant at MCP_MAX_SESSIONS_PER_GRANT (20 unless set), a positive whole number', () => {
    expect(loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')) }).mcpMaxSessionsPerGrant).toBe(20);
    expect(loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')), MCP_MAX_SESSIONS_PER_GRANT: '5' }).mcpMaxSessionsPerGrant).toBe(5);
    expect(problemsOf({ MCP_MAX_SESSIONS_PER_GRANT: '0' })).toEqual([
      'MCP_MAX_SESSIONS_PER_GRANT: must be a whole number of sessions between 1 and 10000 (got "0"); for example MCP_MAX_SESSIONS_PER_GRANT=20',
    ]);
  });

  it('requires tenant, client, signing key and an https SERVER_URL in production, one line each', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^AUTH_TENANT_ID: required in production/);
    expect(problems[1]).toMatch(/^AUTH_CLIENT_ID: required in production/);
    expect(problems[2]).toMatch(/^AUTH_SIGNING_KEY: required in production/);
    expect(problems[3]).toMatch(/^SERVER_URL: must be https in production/);
  });

  it('rejects a tenant given as a domain name or "common", since the issuer check needs the GUID', () => {
    expect(problemsOf({ AUTH_TENANT_ID: 'contoso.onmicrosoft.com', AUTH_CLIENT_ID: CLIENT })[0]).toMatch(/^AUTH_TENANT_ID: must be the tenant GUID/);
    expect(problemsOf({ AUTH_TENANT_ID: 'common', AUTH_CLIENT_ID: CLIENT })[0]).toMatch(/^AUTH_TENANT_ID: must be the tenant GUID/);
  });

  it('never echoes a secret value in its messages', () => {
    const problems = problemsOf({ AUTH_SIGNING_KEY: 'short-secret-value', REDIS_URL: 'http://user:hunter2@redis' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toMatch(/short-secret-value|hunter2/);
  });

  it('refuses plain http for a non-loopback authority and any http authority in production', () => {
    expect(problemsOf({ AUTH_TENANT_ID: TENANT, AUTH_CLIENT_ID: CLIENT, AUTH_AUTHORITY: 'http://login.example.com' })[0]).toMatch(
      /^AUTH_AUTHORITY: http is only allowed for a loopback emulator/,
    );
    expect(
      problemsOf({
        NODE_ENV: 'production',
        SERVER_URL: 'https://mcp.example.com',
        AUTH_SIGNING_KEY: KEY,
        AUTH_TENANT_ID: TENANT,
        AUTH_CLIENT_ID: CLIENT,
        AUTH_AUTHORITY: 'http://localhost:9001',
      })[0],
    ).toMatch(/^AUTH_AUTHORITY: http is only allowed/);
  });

  it('starts in production with a complete configuration', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      SERVER_URL: 'https://mcp.example.com/',
      AUTH_SIGNING_KEY: KEY,
      AUTH_TENANT_ID: TENANT,
      AUTH_CLIENT_ID: CLIENT,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')),
    });
    expect(config.serverUrl).toBe('https://mcp.example.com');
    expect(config.entra.redirectUri).toBe('https://mcp.example.com/auth/callback');
    expect(config.signingKey).toEqual(Buffer.from(KEY, 'hex'));
  });

  it('allows client metadata documents on loopback (CIMD_ALLOW_LOOPBACK) in development and tests, never in production', () => {
    expect(loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')) }).cimdAllowLoopback).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', CIMD_ALLOW_LOOPBACK: 'true', DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')) }).cimdAllowLoopback).toBe(true);
    expect(problemsOf({ CIMD_ALLOW_LOOPBACK: 'yes' })[0]).toMatch(/^CIMD_ALLOW_LOOPBACK: must be true or false/);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        SERVER_URL: 'https://mcp.example.com',
        AUTH_SIGNING_KEY: KEY,
        AUTH_TENANT_ID: TENANT,
        AUTH_CLIENT_ID: CLIENT,
        CIMD_ALLOW_LOOPBACK: 'true',
      }),
    ).toEqual([expect.stringMatching(/^CIMD_ALLOW_LOOPBACK: must not be true in production/)]);
  });

  it('collects every problem before failing', () => {
    expect(problemsOf({ PORT: '70000', LOG_LEVEL: 'loud', ACCESS_TOKEN_TTL_SECONDS: '5' })).toHaveLength(3);
  });

  describe('AUTH_MODE (who issues the MCP bearer tokens)', () => {
    const tenant = { AUTH_TENANT_ID: TENANT, AUTH_CLIENT_ID: CLIENT };

    it('defaults to proxy, with the API named after the client id', () => {
      const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')), ...tenant });
      expect(config.authMode).toBe('proxy');
      expect(config.entraApi).toMatchObject({
        clientId: CLIENT,
        applicationIdUri: `api://${CLIENT}`,
        audiences: [`api://${CLIENT}`, CLIENT],
        scope: 'access_as_user',
        fullScope: `api://${CLIENT}/access_as_user`,
        jwksCooldownSeconds: 30,
      });
      expect(config.entraApi.appOnlyRole).toBeUndefined();
    });

    it('takes the Application ID URI, scope and app-only role from AUTH_API_AUDIENCE, AUTH_API_SCOPE, AUTH_APP_ONLY_ROLE', () => {
      const config = loadConfig({
        DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')),
        ...tenant,
        AUTH_MODE: 'direct',
        AUTH_CLIENT_SECRET: 'secret',
        AUTH_API_AUDIENCE: 'https://mcp.example.com/',
        AUTH_API_SCOPE: 'mcp.tools',
        AUTH_APP_ONLY_ROLE: 'Mcp.Tools.All',
      });
      expect(config.entraApi).toMatchObject({
        audiences: ['https://mcp.example.com', CLIENT],
        fullScope: 'https://mcp.example.com/mcp.tools',
        appOnlyRole: 'Mcp.Tools.All',
        oboClientSecret: 'secret',
      });
    });

    it('needs AUTH_CLIENT_SECRET in direct and both modes with a tenant (On-Behalf-Of), not with the embedded emulator', () => {
      expect(problemsOf({ ...tenant, AUTH_MODE: 'direct' })).toEqual([expect.stringMatching(/^AUTH_CLIENT_SECRET: required when AUTH_MODE is direct/)]);
      expect(problemsOf({ ...tenant, AUTH_MODE: 'both' })).toEqual([expect.stringMatching(/^AUTH_CLIENT_SECRET: required when AUTH_MODE is both/)]);
      expect(problemsOf({ AUTH_MODE: 'direct' })).toEqual([]);
    });

    it('refuses an unknown mode, a bad audience or scope with one line each', () => {
      expect(problemsOf({ AUTH_MODE: 'entra' })).toEqual([expect.stringMatching(/^AUTH_MODE: must be proxy, direct or both/)]);
      expect(problemsOf({ AUTH_API_AUDIENCE: 'mcp-api' })).toEqual([expect.stringMatching(/^AUTH_API_AUDIENCE: must be the Application ID URI/)]);
      expect(problemsOf({ AUTH_API_SCOPE: 'two words' })).toEqual([expect.stringMatching(/^AUTH_API_SCOPE: must be the name of the scope/)]);
    });
  });
});
