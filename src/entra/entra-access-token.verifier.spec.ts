import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/load-config';
import { EntraEmulator } from '../entra-emulator/entra-emulator';
import { InvalidTokenError } from '../shared/access-token-verifier.port';
import { entraAssertionOf } from '../shared/user-context';
import { EntraAccessTokenVerifier } from './entra-access-token.verifier';
import { EntraDiscovery } from './entra-discovery';
import { EntraUnavailableError } from './entra.errors';

/** The verifier against the real Entra emulator (its discovery document and JWKS), without the rest of the server. */
describe('EntraAccessTokenVerifier', () => {
  const emulator = new EntraEmulator({ port: 0, redirectUris: ['http://localhost:1/auth/callback'] });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await emulator.start();
  });
  afterAll(() => emulator.stop());

  function verifier(env: Record<string, string> = {}): EntraAccessTokenVerifier {
    return verifierFor(emulator, env);
  }

  function verifierFor(entra: EntraEmulator, env: Record<string, string> = {}): EntraAccessTokenVerifier {
    const config = loadConfig({
      NODE_ENV: 'test',
      AUTH_SIGNING_KEY: 'a'.repeat(64),
      AUTH_MODE: 'direct',
      AUTH_TENANT_ID: entra.tenantId,
      AUTH_CLIENT_ID: entra.api.clientId,
      AUTH_CLIENT_SECRET: 'unused-here',
      AUTH_AUTHORITY: entra.origin,
      ...env,
    });
    return new EntraAccessTokenVerifier(config, new EntraDiscovery(config));
  }

  it("builds the caller's context from a delegated token, carrying the token only as a hidden assertion for On-Behalf-Of", async () => {
    const token = await emulator.mintApiAccessToken(emulator.users[0]!);
    const user = await verifier().verify(token);
    expect(user).toMatchObject({ oid: emulator.users[0]!.oid, tid: emulator.tenantId, name: 'Adele Vance', clientId: emulator.publicClientId, scopes: ['mcp:tools', 'user.read'], roles: ['Tools.Admin'] });
    expect(entraAssertionOf(user)).toBe(token);
    expect(JSON.stringify(user)).not.toContain(token);
  });

  it('accepts the Application ID URI as audience as well as the client id', async () => {
    const token = await emulator.mintApiAccessToken(emulator.users[0]!, { aud: emulator.api.applicationIdUri });
    await expect(verifier().verify(token)).resolves.toMatchObject({ oid: emulator.users[0]!.oid });
  });

  it('accepts an app-only token carrying AUTH_APP_ONLY_ROLE, with mcp:tools only and no assertion for Graph', async () => {
    const token = await emulator.mintApiAccessToken(emulator.users[0]!, { scp: undefined, name: undefined, preferred_username: undefined, roles: ['Mcp.Tools.All'], idtyp: 'app' });
    const user = await verifier({ AUTH_APP_ONLY_ROLE: 'Mcp.Tools.All' }).verify(token);
    expect(user.scopes).toEqual(['mcp:tools']);
    expect(entraAssertionOf(user)).toBeUndefined();
    await expect(verifier({ AUTH_APP_ONLY_ROLE: 'Another.Role' }).verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refetches the keys for an unknown kid at most once per cooldown (rate limit)', async () => {
    const subject = verifier({ AUTH_JWKS_COOLDOWN_SECONDS: '30' });
    await subject.verify(await emulator.mintApiAccessToken(emulator.users[0]!));
    const fetched = emulator.jwksRequestCount;
    emulator.rotateSigningKeys();
    const rotated = await emulator.mintApiAccessToken(emulator.users[0]!);
    // Within the cooldown, the new kid stays unknown: no fetch per bad token, so a flood costs Entra nothing.
    await expect(subject.verify(rotated)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(subject.verify(rotated)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(emulator.jwksRequestCount).toBe(fetched);
    // With no cooldown the same token passes after exactly one refetch.
    const eager = verifier({ AUTH_JWKS_COOLDOWN_SECONDS: '0' });
    await eager.verify(await emulator.mintApiAccessToken(emulator.users[0]!));
    expect(emulator.jwksRequestCount).toBe(fetched + 1);
  });

  it('reports Entra unreachable (not an invalid token) when its discovery or keys cannot be fetched', async () => {
    const gone = new EntraEmulator({ port: 0, redirectUris: ['http://localhost:1/auth/callback'] });
    await gone.start();
    const subject = verifierFor(gone, { AUTH_JWKS_COOLDOWN_SECONDS: '0' });
    await subject.verify(await gone.mintApiAccessToken(gone.users[0]!));
    await gone.stop();
    gone.rotateSigningKeys();
    // An unknown kid needs a JWKS fetch, and Entra does not answer.
    await expect(subject.verify(await gone.mintApiAccessToken(gone.users[0]!))).rejects.toBeInstanceOf(EntraUnavailableError);
    await expect(verifierFor(gone).verify(await gone.mintApiAccessToken(gone.users[0]!))).rejects.toBeInstanceOf(EntraUnavailableError);
  });
});
