import { Logger } from '@nestjs/common';
import { EMULATOR_CLIENT_SECRET } from '../config/emulator.constants';
import { loadConfig } from '../config/load-config';
import { EntraEmulator } from '../entra-emulator/entra-emulator';
import { EntraDiscovery } from './entra-discovery';
import { OnBehalfOfRefusedError, OnBehalfOfTokens } from './on-behalf-of.service';

/** The On-Behalf-Of exchange against the real Entra emulator's token endpoint. */
describe('OnBehalfOfTokens', () => {
  const emulator = new EntraEmulator({ port: 0, redirectUris: ['http://localhost:1/auth/callback'] });
  const [adele, megan] = [emulator.users[0]!, emulator.users[1]!];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await emulator.start();
  });
  afterAll(() => emulator.stop());
  beforeEach(() => {
    emulator.resetOnBehalfOfExchangeCount();
    emulator.setAccessTokenLifetime(3600);
    emulator.allowOnBehalfOf();
  });

  function service(secret = EMULATOR_CLIENT_SECRET): OnBehalfOfTokens {
    const config = loadConfig({
      NODE_ENV: 'test',
      AUTH_SIGNING_KEY: 'a'.repeat(64),
      AUTH_MODE: 'direct',
      AUTH_TENANT_ID: emulator.tenantId,
      AUTH_CLIENT_ID: emulator.api.clientId,
      AUTH_CLIENT_SECRET: secret,
      AUTH_AUTHORITY: emulator.origin,
    });
    return new OnBehalfOfTokens(config, new EntraDiscovery(config));
  }

  it('exchanges once per user and reuses the Graph token; concurrent calls share one exchange', async () => {
    const obo = service();
    const assertion = await emulator.mintApiAccessToken(adele);
    const [first, second] = await Promise.all([obo.graphToken(adele, assertion), obo.graphToken(adele, assertion)]);
    expect(second).toBe(first);
    expect(await obo.graphToken(adele, assertion)).toBe(first);
    expect(emulator.onBehalfOfExchangeCount).toBe(1);
    await obo.graphToken(megan, await emulator.mintApiAccessToken(megan));
    expect(emulator.onBehalfOfExchangeCount).toBe(2);
  });

  it('exchanges again when Graph refused the cached token (forceRefresh) or it is about to expire', async () => {
    const obo = service();
    const assertion = await emulator.mintApiAccessToken(adele);
    await obo.graphToken(adele, assertion);
    await obo.graphToken(adele, assertion, { forceRefresh: true });
    expect(emulator.onBehalfOfExchangeCount).toBe(2);
    // A Graph token living 60 s is already inside the renewal margin: never reused.
    emulator.setAccessTokenLifetime(60);
    await obo.graphToken(megan, await emulator.mintApiAccessToken(megan));
    await obo.graphToken(megan, await emulator.mintApiAccessToken(megan));
    expect(emulator.onBehalfOfExchangeCount).toBe(4);
  });

  it("rejects with Entra's error, AADSTS code and claims challenge, and caches nothing", async () => {
    const obo = service();
    const claims = '{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}';
    emulator.refuseOnBehalfOf({ error: 'interaction_required', errorDescription: 'AADSTS50076: multi-factor authentication is required.', claims });
    const assertion = await emulator.mintApiAccessToken(adele);
    const refused = await obo.graphToken(adele, assertion).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OnBehalfOfRefusedError);
    expect(refused).toMatchObject({ error: 'interaction_required', aadstsCode: 'AADSTS50076', claims });
    expect((refused as Error).message).not.toContain(assertion);
    emulator.allowOnBehalfOf();
    await expect(obo.graphToken(adele, assertion)).resolves.toEqual(expect.any(String));
  });

  it('is refused with a wrong client secret (invalid_client)', async () => {
    await expect(service('not-the-secret').graphToken(adele, await emulator.mintApiAccessToken(adele))).rejects.toMatchObject({ error: 'invalid_client' });
  });
});
