// Test-only code kept beside the port it specifies; the reference lets the production build type-check it.
/// <reference types="jest" />
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Store } from './store.port';

/** Short TTLs keep the suite fast; the margin absorbs timer jitter on a busy machine. */
const SHORT_TTL_MS = 60;
const PAST_EXPIRY_MS = 150;
const LONG_TTL_MS = 60_000;
const CONCURRENT_CALLERS = 100;

/**
 * The behaviour every `Store` adapter promises (see store.port.ts), as one Jest suite.
 * `create` gives a fresh, empty store for each test; the suite closes it afterwards.
 * Adapter specs call this, then add what is particular to them (durability, outages).
 */
export function describeStoreContract(name: string, create: () => Store | Promise<Store>): void {
  describe(`${name} store contract`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await create();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('set / get / delete', () => {
      it('returns what was set, and null for a key never set', async () => {
        await store.set('grant:1', 'one', LONG_TTL_MS);
        expect(await store.get('grant:1')).toBe('one');
        expect(await store.get('grant:2')).toBeNull();
      });

      it('replaces the value on a second set', async () => {
        await store.set('grant:1', 'one', LONG_TTL_MS);
        await store.set('grant:1', 'two', LONG_TTL_MS);
        expect(await store.get('grant:1')).toBe('two');
      });

      it('keeps keys apart, even when one is a prefix of the other', async () => {
        await store.set('code:ab', 'short', LONG_TTL_MS);
        await store.set('code:abc', 'long', LONG_TTL_MS);
        expect(await store.get('code:ab')).toBe('short');
        expect(await store.get('code:abc')).toBe('long');
      });

      it('deletes a key and tells whether a live value was there', async () => {
        await store.set('grant:1', 'one', LONG_TTL_MS);
        expect(await store.delete('grant:1')).toBe(true);
        expect(await store.get('grant:1')).toBeNull();
        expect(await store.delete('grant:1')).toBe(false);
        expect(await store.delete('never-set')).toBe(false);
      });

      it('stores the empty string as a value, distinct from absent', async () => {
        await store.set('empty', '', LONG_TTL_MS);
        expect(await store.get('empty')).toBe('');
        expect(await store.take('empty')).toBe('');
      });

      it('round-trips unicode keys and values unchanged', async () => {
        const value = 'Zoë Ångström — 名前 — مرحبا — 👩🏽‍💻 — e\u0301 — \u00a0tab\tnewline\n"quotes" \\ {"json":true}';
        await store.set('user:名前:👩🏽‍💻', value, LONG_TTL_MS);
        expect(await store.get('user:名前:👩🏽‍💻')).toBe(value);
        expect(await store.get('user:名前')).toBeNull();
      });

      it('round-trips a large value (1 MB)', async () => {
        const value = randomBytes(768 * 1024).toString('base64');
        expect(value.length).toBe(1024 * 1024);
        await store.set('large', value, LONG_TTL_MS);
        expect(await store.get('large')).toBe(value);
        expect(await store.take('large')).toBe(value);
        expect(await store.compareAndSet('large', null, value, LONG_TTL_MS)).toBe(true);
        expect(await store.compareAndSet('large', value, 'small', LONG_TTL_MS)).toBe(true);
      });

      it('answers ping while reachable', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('TTL expiry', () => {
      it('keeps a value until its TTL has passed, then no operation sees it', async () => {
        await store.set('code:short', 'v', SHORT_TTL_MS);
        expect(await store.get('code:short')).toBe('v');
        await sleep(PAST_EXPIRY_MS);
        expect(await store.get('code:short')).toBeNull();
        expect(await store.take('code:short')).toBeNull();
        expect(await store.delete('code:short')).toBe(false);
        expect(await store.compareAndSet('code:short', 'v', 'w', LONG_TTL_MS)).toBe(false);
        expect(await store.get('code:short')).toBeNull();
      });

      it('treats an expired key as absent for set-if-absent', async () => {
        await store.set('state:1', 'old', SHORT_TTL_MS);
        expect(await store.compareAndSet('state:1', null, 'new', LONG_TTL_MS)).toBe(false);
        await sleep(PAST_EXPIRY_MS);
        expect(await store.compareAndSet('state:1', null, 'new', LONG_TTL_MS)).toBe(true);
        expect(await store.get('state:1')).toBe('new');
      });

      it('gives a replaced value the new TTL (set and compare-and-set)', async () => {
        await store.set('a', 'long-lived', LONG_TTL_MS);
        await store.set('a', 'short-lived', SHORT_TTL_MS);
        await store.set('b', 'short-lived', SHORT_TTL_MS);
        expect(await store.compareAndSet('b', 'short-lived', 'long-lived', LONG_TTL_MS)).toBe(true);
        await sleep(PAST_EXPIRY_MS);
        expect(await store.get('a')).toBeNull();
        expect(await store.get('b')).toBe('long-lived');
      });

      it('treats a TTL of zero or less as already expired', async () => {
        await store.set('gone', 'v', 0);
        expect(await store.get('gone')).toBeNull();
        await store.set('kept', 'v', LONG_TTL_MS);
        await store.set('kept', 'v2', -5);
        expect(await store.get('kept')).toBeNull();
      });

      it('releases a value through compareAndSet with a TTL of zero (how a lease is given back), so it can be taken again', async () => {
        expect(await store.compareAndSet('lease', null, 'holder-1', LONG_TTL_MS)).toBe(true);
        expect(await store.compareAndSet('lease', 'holder-1', 'holder-1', 0)).toBe(true);
        expect(await store.get('lease')).toBeNull();
        expect(await store.compareAndSet('lease', null, 'holder-2', LONG_TTL_MS)).toBe(true);
      });

      it('rejects a TTL that is not a finite number', async () => {
        await expect(store.set('x', 'v', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
        await expect(store.set('x', 'v', Number.NaN)).rejects.toThrow(RangeError);
      });
    });

    describe('take (atomic read-and-delete)', () => {
      it('returns the value once, then null', async () => {
        await store.set('code:1', 'secret', LONG_TTL_MS);
        expect(await store.take('code:1')).toBe('secret');
        expect(await store.take('code:1')).toBeNull();
        expect(await store.get('code:1')).toBeNull();
        expect(await store.take('never-set')).toBeNull();
      });

      it(`gives the value to exactly one of ${CONCURRENT_CALLERS} concurrent callers`, async () => {
        await store.set('code:race', 'the-code', LONG_TTL_MS);
        const results = await Promise.all(Array.from({ length: CONCURRENT_CALLERS }, () => store.take('code:race')));
        expect(results.filter((r) => r !== null)).toEqual(['the-code']);
      });
    });

    describe('compareAndSet', () => {
      it('replaces the value when the current value equals the expected one', async () => {
        await store.set('grant:1', 'v1', LONG_TTL_MS);
        expect(await store.compareAndSet('grant:1', 'v1', 'v2', LONG_TTL_MS)).toBe(true);
        expect(await store.get('grant:1')).toBe('v2');
      });

      it('leaves the value alone when it differs from the expected one', async () => {
        await store.set('grant:1', 'v1', LONG_TTL_MS);
        expect(await store.compareAndSet('grant:1', 'stale', 'v2', LONG_TTL_MS)).toBe(false);
        expect(await store.get('grant:1')).toBe('v1');
      });

      it('does not create a value when one was expected but the key is absent', async () => {
        expect(await store.compareAndSet('grant:none', 'v1', 'v2', LONG_TTL_MS)).toBe(false);
        expect(await store.get('grant:none')).toBeNull();
      });

      it('sets if absent when the expected value is null, and not over an existing value', async () => {
        expect(await store.compareAndSet('client:1', null, 'first', LONG_TTL_MS)).toBe(true);
        expect(await store.compareAndSet('client:1', null, 'second', LONG_TTL_MS)).toBe(false);
        expect(await store.get('client:1')).toBe('first');
      });

      it('does not take the empty string for absent', async () => {
        await store.set('empty', '', LONG_TTL_MS);
        expect(await store.compareAndSet('empty', null, 'x', LONG_TTL_MS)).toBe(false);
        expect(await store.compareAndSet('empty', '', 'x', LONG_TTL_MS)).toBe(true);
        expect(await store.compareAndSet('absent', '', 'x', LONG_TTL_MS)).toBe(false);
      });

      it(`lets exactly one of ${CONCURRENT_CALLERS} concurrent callers replace the same expected value`, async () => {
        await store.set('refresh:race', 'generation-1', LONG_TTL_MS);
        const results = await Promise.all(
          Array.from({ length: CONCURRENT_CALLERS }, (_, i) =>
            store.compareAndSet('refresh:race', 'generation-1', `generation-2-by-${i}`, LONG_TTL_MS),
          ),
        );
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await store.get('refresh:race')).toBe(`generation-2-by-${winners[0]}`);
      });

      it(`lets exactly one of ${CONCURRENT_CALLERS} concurrent set-if-absent callers win`, async () => {
        const results = await Promise.all(
          Array.from({ length: CONCURRENT_CALLERS }, (_, i) => store.compareAndSet('state:race', null, `by-${i}`, LONG_TTL_MS)),
        );
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await store.get('state:race')).toBe(`by-${winners[0]}`);
      });

      it('writes the extra entries, each with its own TTL, when the swap happens', async () => {
        await store.set('rt:old', 'live', LONG_TTL_MS);
        const extra = [
          { key: 'at:new', value: 'access', ttlMs: SHORT_TTL_MS },
          { key: 'rt:new', value: 'refresh', ttlMs: LONG_TTL_MS },
        ];
        expect(await store.compareAndSet('rt:old', 'live', 'rotated', LONG_TTL_MS, extra)).toBe(true);
        expect([await store.get('rt:old'), await store.get('at:new'), await store.get('rt:new')]).toEqual(['rotated', 'access', 'refresh']);
        await sleep(PAST_EXPIRY_MS);
        expect([await store.get('at:new'), await store.get('rt:new')]).toEqual([null, 'refresh']);
      });

      it('writes none of the extra entries when the swap does not happen (stale or absent expected value, or a value already there)', async () => {
        await store.set('rt:old', 'rotated', LONG_TTL_MS);
        const extra = (n: number) => [{ key: `at:${n}`, value: 'access', ttlMs: LONG_TTL_MS }];
        expect(await store.compareAndSet('rt:old', 'live', 'rotated-again', LONG_TTL_MS, extra(1))).toBe(false);
        expect(await store.compareAndSet('rt:none', 'live', 'rotated', LONG_TTL_MS, extra(2))).toBe(false);
        expect(await store.compareAndSet('rt:old', null, 'other', LONG_TTL_MS, extra(3))).toBe(false);
        expect([await store.get('at:1'), await store.get('at:2'), await store.get('at:3'), await store.get('rt:old')]).toEqual([null, null, null, 'rotated']);
      });

      it(`writes the extra entries of exactly one of ${CONCURRENT_CALLERS} concurrent callers swapping the same expected value`, async () => {
        await store.set('rt:race', 'live', LONG_TTL_MS);
        const results = await Promise.all(
          Array.from({ length: CONCURRENT_CALLERS }, (_, i) =>
            store.compareAndSet('rt:race', 'live', `rotated-by-${i}`, LONG_TTL_MS, [{ key: `rt:successor-${i}`, value: 'refresh', ttlMs: LONG_TTL_MS }]),
          ),
        );
        const written = await Promise.all(Array.from({ length: CONCURRENT_CALLERS }, (_, i) => store.get(`rt:successor-${i}`)));
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(written.flatMap((value, i) => (value === null ? [] : [i]))).toEqual(winners);
        expect(await store.get('rt:race')).toBe(`rotated-by-${winners[0]}`);
      });
    });

    describe('increment (fixed-window counter)', () => {
      it('starts at 1 and counts up, keeping the expiry of the first increment', async () => {
        const first = await store.increment('ratelimit:a', LONG_TTL_MS);
        const second = await store.increment('ratelimit:a', LONG_TTL_MS);
        expect([first.count, second.count]).toEqual([1, 2]);
        expect(Math.abs(second.expiresAt - first.expiresAt)).toBeLessThan(50);
        expect(first.expiresAt).toBeGreaterThan(Date.now());
      });

      it(`counts every one of ${CONCURRENT_CALLERS} concurrent increments exactly once`, async () => {
        const results = await Promise.all(Array.from({ length: CONCURRENT_CALLERS }, () => store.increment('ratelimit:race', LONG_TTL_MS)));
        expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: CONCURRENT_CALLERS }, (_, i) => i + 1));
      });

      it('reads back with get as its decimal count (the audit trail finds its latest record this way)', async () => {
        await store.increment('counter:read', LONG_TTL_MS);
        await store.increment('counter:read', LONG_TTL_MS);
        expect(await store.get('counter:read')).toBe('2');
      });

      it('restarts at 1 once the window has expired', async () => {
        await store.increment('ratelimit:short', 50);
        await store.increment('ratelimit:short', 50);
        await new Promise((r) => setTimeout(r, 120));
        expect((await store.increment('ratelimit:short', 50)).count).toBe(1);
      });
    });
  });
}
