import { MemoryStore } from '../store/memory.store';
import { EmulatorStore } from './emulator-store.adapter';

describe('EmulatorStore (oidc-provider records over the storage port)', () => {
  let store: MemoryStore;
  let emulatorStore: EmulatorStore;

  beforeEach(() => {
    store = new MemoryStore();
    emulatorStore = new EmulatorStore(store);
  });

  it('keeps the first key set and hands it to every later start (a restart keeps the signing key)', async () => {
    let created = 0;
    const create = () => ({ signingKey: { kid: `k${++created}` }, cookieKeys: ['c'] });
    const first = await emulatorStore.keys(create);
    const second = await new EmulatorStore(store).keys(create);
    expect(second).toEqual(first);
    expect(created).toBe(1);
  });

  it('finds a record by id and by uid, and forgets it when destroyed', async () => {
    const sessions = emulatorStore.adapterFor('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    expect(await sessions.find('s1')).toEqual({ uid: 'u1', accountId: 'a' });
    expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1', accountId: 'a' });
    await sessions.destroy('s1');
    expect(await sessions.findByUid('u1')).toBeUndefined();
  });

  it('marks a consumed code and keeps it until its own expiry', async () => {
    const codes = emulatorStore.adapterFor('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1', scope: 'openid' }, 60);
    await codes.consume('c1');
    expect(await codes.find('c1')).toMatchObject({ consumed: expect.any(Number), scope: 'openid offline_access' });
  });

  it('revokes every token of a grant, and only those', async () => {
    const refresh = emulatorStore.adapterFor('RefreshToken');
    const codes = emulatorStore.adapterFor('AuthorizationCode');
    await refresh.upsert('r1', { grantId: 'g1' }, 60);
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await refresh.upsert('r2', { grantId: 'g2' }, 60);
    await refresh.revokeByGrantId('g1');
    expect(await refresh.find('r1')).toBeUndefined();
    expect(await codes.find('c1')).toBeUndefined();
    expect(await refresh.find('r2')).toEqual({ grantId: 'g2' });
  });

  it('deletes every record of a model and counts the live ones', async () => {
    const refresh = emulatorStore.adapterFor('RefreshToken');
    await refresh.upsert('r1', { grantId: 'g1' }, 60);
    await refresh.upsert('r2', { grantId: 'g2' }, 60);
    await refresh.destroy('r2');
    expect(await emulatorStore.deleteModel('RefreshToken')).toBe(1);
    expect(await refresh.find('r1')).toBeUndefined();
  });

  it('prunes an index of records that are gone once it grows', async () => {
    const sessions = emulatorStore.adapterFor('Session');
    for (let i = 0; i < 150; i++) {
      await sessions.upsert(`s${i}`, { uid: `u${i}` }, 60);
      if (i < 149) await sessions.destroy(`s${i}`);
    }
    const index = JSON.parse((await store.get('entra-emulator:index:model:Session'))!) as string[];
    expect(index.length).toBeLessThan(60);
    expect(index).toContain('s149');
  });
});
