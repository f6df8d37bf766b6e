import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { AppConfig } from './app-config';
import { AppConfigModule, AppConfigService } from './app-config.module';
import { loadConfig } from './load-config';
import { SigningKeysService } from './signing-keys.service';

async function appFor(env: Record<string, string>) {
  const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-module-')), ...env });
  const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule.forConfig(config)] }).compile();
  return { config, moduleRef };
}

describe('AppConfigModule', () => {
  it('provides the validated AppConfig through @nestjs/config, typed values included', async () => {
    const { config, moduleRef } = await appFor({ PORT: '9100', LOG_LEVEL: 'warn' });
    expect(moduleRef.get(AppConfig)).toBe(config);
    const configService = moduleRef.get<AppConfigService>(ConfigService);
    expect(configService.get('app.port', { infer: true })).toBe(9100);
    expect(configService.get('app.logLevel', { infer: true })).toBe('warn');
    expect(configService.get('app.rateLimits.token', { infer: true })).toEqual({ limit: 120, windowSeconds: 60 });
    expect(moduleRef.get(SigningKeysService)).toBeInstanceOf(SigningKeysService);
    await moduleRef.close();
  });

  it('keeps differently configured applications in one process apart', async () => {
    const first = await appFor({ PORT: '9101' });
    const second = await appFor({ PORT: '9102' });
    expect(first.moduleRef.get<AppConfigService>(ConfigService).get('app.port', { infer: true })).toBe(9101);
    expect(second.moduleRef.get<AppConfigService>(ConfigService).get('app.port', { infer: true })).toBe(9102);
    await Promise.all([first.moduleRef.close(), second.moduleRef.close()]);
  });

  it('neither reads nor writes process.env', async () => {
    const before = { ...process.env };
    process.env.APP_CONFIG_MODULE_SPEC_PROBE = 'from-process-env';
    try {
      const { moduleRef } = await appFor({ PORT: '9103' });
      const configService = moduleRef.get<ConfigService>(ConfigService);
      expect(configService.get('APP_CONFIG_MODULE_SPEC_PROBE')).toBeUndefined();
      expect(process.env.PORT).toBe(before.PORT);
      expect(Object.keys(process.env).sort()).toEqual([...Object.keys(before), 'APP_CONFIG_MODULE_SPEC_PROBE'].sort());
      await moduleRef.close();
    } finally {
      delete process.env.APP_CONFIG_MODULE_SPEC_PROBE;
    }
  });
});
