import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RedisStore } from './redis.store';
import { SqliteStore } from './sqlite.store';
import { createStore } from './store.module';

const quiet = { log: () => undefined, debug: () => undefined } as unknown as Logger;

describe('createStore', () => {
  it('uses the SQLite file in DATA_DIR when REDIS_URL is not set', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'store-module-'));
    const store = createStore({ dataDir, redisKeyPrefix: 'mcp:' } as AppConfig, quiet);
    expect(store).toBeInstanceOf(SqliteStore);
    expect((store as SqliteStore).file).toBe(join(dataDir, 'state.sqlite'));
    await store.close();
  });

  it('uses Redis with the configured key prefix when REDIS_URL is set', async () => {
    const store = createStore({ redisUrl: 'redis://127.0.0.1:6379', redisKeyPrefix: 'tenant-a:' } as AppConfig, quiet);
    expect(store).toBeInstanceOf(RedisStore);
    expect((store as RedisStore).keyPrefix).toBe('tenant-a:');
    await store.close();
  });
});
