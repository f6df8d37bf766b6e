import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { SqliteStore } from '../store/sqlite.store';
import type { GrantRecord } from './oauth.records';
import { UserGrantIndex } from './user-grant.index';

const config = Object.assign(new AppConfig(), { grantMaxLifetimeDays: 90 });

function grant(id: string): GrantRecord {
  const now = Date.now();
  return {
    id,
    clientId: `client-${id}`,
    identity: { oid: 'one-user', tid: 't', name: 'Adele Vance', preferredUsername: 'adelev@contoso.example', roles: [], groups: [] },
    scopes: ['mcp:tools'],
    resource: 'http://localhost:8000/',
    redirectUri: 'http://127.0.0.1:1/cb',
    createdAt: now,
    expiresAt: now + 90 * 24 * 3600 * 1000,
    active: true,
    offline: true,
    upstream: 'sealed',
  };
}

describe('UserGrantIndex', () => {
  let dataDir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'user-grants-'));
    // Each write resolves only after a sync that takes a few turns of the event loop, like a disk.
    store = new SqliteStore({ dataDir, syncLog: () => new Promise((resolve) => setTimeout(resolve, 2)) });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists every grant of a user who signs in to many applications at once, and forgets the removed ones', async () => {
    const index = new UserGrantIndex(store, config);
    const ids = Array.from({ length: 60 }, (_, i) => `g${i}`);
    await Promise.all(ids.map((id) => index.add(grant(id))));
    expect((await index.list('one-user')).map((e) => e.grantId).sort()).toEqual([...ids].sort());

    await Promise.all([index.remove('one-user', ['g1', 'g2']), index.add(grant('late')), index.remove('one-user', ['g3'])]);
    const listed = (await index.list('one-user')).map((e) => e.grantId);
    expect(listed).toHaveLength(58);
    expect(listed).toEqual(expect.arrayContaining(['late', 'g0', 'g59']));
    expect(listed).not.toEqual(expect.arrayContaining(['g1']));
  });
});
