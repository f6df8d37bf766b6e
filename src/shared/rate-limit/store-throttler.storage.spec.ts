import { MemoryStore } from '../../store/memory.store';
import { StoreThrottlerStorage } from './store-throttler.storage';

describe('StoreThrottlerStorage', () => {
  it('lets exactly `limit` of many concurrent requests through, then blocks until the window ends', async () => {
    const storage = new StoreThrottlerStorage(new MemoryStore());
    const results = await Promise.all(Array.from({ length: 50 }, () => storage.increment('k', 60_000, 10)));
    expect(results.filter((r) => !r.isBlocked)).toHaveLength(10);
    const blocked = results.filter((r) => r.isBlocked);
    expect(blocked).toHaveLength(40);
    expect(blocked.every((r) => r.timeToBlockExpire > 0 && r.timeToBlockExpire <= 60)).toBe(true);
  });

  it('counts each key separately', async () => {
    const storage = new StoreThrottlerStorage(new MemoryStore());
    await storage.increment('a', 60_000, 1);
    expect((await storage.increment('a', 60_000, 1)).isBlocked).toBe(true);
    expect((await storage.increment('b', 60_000, 1)).isBlocked).toBe(false);
  });

  it('starts a new window once the previous one has passed', async () => {
    let now = 1_000_000;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const storage = new StoreThrottlerStorage(new MemoryStore(() => now));
      await storage.increment('k', 1000, 1);
      expect((await storage.increment('k', 1000, 1)).isBlocked).toBe(true);
      now += 1500;
      expect((await storage.increment('k', 1000, 1)).isBlocked).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});
