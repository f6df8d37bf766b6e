import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppConfigModule } from '../config/app-config.module';
import { loadConfig } from '../config/load-config';
import { StoreModule } from '../store/store.module';
import { ClientRegistryModule } from './client-registry.module';

/* ClientRegistryModule on its own (no OAuthModule): registration and its rate limit work. */
describe('ClientRegistryModule', () => {
  let app: INestApplication;
  let url: string;
  let dataDir: string;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dataDir = mkdtempSync(join(tmpdir(), 'client-registry-'));
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, RATE_LIMIT_REGISTER_PER_MINUTE: '2' });
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forConfig(config), StoreModule, ClientRegistryModule],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const register = () =>
    fetch(`${url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Standalone', redirect_uris: ['http://127.0.0.1:6274/oauth/callback'] }),
    });

  it('registers clients and applies its own rate limit without the OAuth module', async () => {
    expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(201);
    const limited = await register();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toMatchObject({ error: 'too_many_requests' });
  });
});
