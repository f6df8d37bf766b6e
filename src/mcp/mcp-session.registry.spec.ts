import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { GrantLiveness } from '../oauth/grant-liveness';
import { StoreUnavailableError } from '../store/store.port';
import { UserContext } from '../shared/user-context';
import { McpHttpError } from './mcp-http.errors';
import { McpSession, McpSessionRegistry } from './mcp-session.registry';

const user = (grantId: string, oid = `oid-${grantId}`): UserContext => ({
  oid,
  tid: 't',
  name: 'n',
  preferredUsername: 'u',
  clientId: 'c',
  scopes: ['mcp:tools'],
  roles: [],
  groups: [],
  grantId,
});

/** A session whose transport records being closed and, like the SDK's, reports it through onclose. */
function session(registry: McpSessionRegistry, id: string, grantId: string, lastActivityAt = Date.now()): McpSession & { closed: boolean } {
  const fake = {
    id,
    kind: 'sse',
    owner: { grantId, oid: `oid-${grantId}` },
    lastActivityAt,
    closed: false,
    transport: {
      close: async () => {
        fake.closed = true;
        registry.remove(id);
      },
    },
  };
  return fake as unknown as McpSession & { closed: boolean };
}

/** The grants the OAuth module would still find; `down` makes every answer a store outage. */
class FakeGrantLiveness extends GrantLiveness {
  readonly ended = new Set<string>();
  down = false;
  checks: string[] = [];
  async isActive(grantId: string): Promise<boolean> {
    this.checks.push(grantId);
    if (this.down) throw new StoreUnavailableError('store down');
    return !this.ended.has(grantId);
  }
}

const OPTIONS = { keepAliveMs: 25_000, grantCheckMs: 20_000, sseOwnershipTtlMs: 30_000, sseDeliveryTimeoutMs: 3_000 };
const CONFIG = { mcpSessionIdleSeconds: 60, mcpMaxSessionsPerGrant: 2 } as AppConfig;

describe('McpSessionRegistry', () => {
  let registry: McpSessionRegistry;
  let grants: FakeGrantLiveness;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    grants = new FakeGrantLiveness();
    registry = new McpSessionRegistry(CONFIG, OPTIONS, grants);
  });
  afterEach(() => registry.onModuleDestroy());

  it('gives a session only to the grant and user that opened it; others see "not found" and it survives', () => {
    const s = session(registry, 's1', 'g1');
    registry.add(s);
    expect(registry.find('s1', user('g1'), 'sse')).toBe(s);
    expect(registry.find('s1', user('g2'), 'sse')).toBeUndefined();
    expect(registry.find('s1', user('g1', 'another-oid'), 'sse')).toBeUndefined();
    expect(registry.find('nope', user('g1'), 'sse')).toBeUndefined();
    expect(s.closed).toBe(false);
    expect(registry.find('s1', user('g1'), 'sse')).toBe(s);
  });

  it('closes sessions idle for MCP_SESSION_IDLE_SECONDS, and only those; use keeps a session alive', () => {
    const now = Date.now();
    const idle = session(registry, 'idle', 'g1', now - 61_000);
    const used = session(registry, 'used', 'g2', now - 61_000);
    const fresh = session(registry, 'fresh', 'g3', now - 1_000);
    [idle, used, fresh].forEach((s) => registry.add(s));
    registry.find('used', user('g2'), 'sse');
    expect(registry.closeIdle(now)).toBe(1);
    expect(idle.closed).toBe(true);
    expect([used.closed, fresh.closed]).toEqual([false, false]);
    expect(registry.size).toBe(2);
  });

  it('refuses a new session (429, a readable JSON-RPC error) once a grant holds MCP_MAX_SESSIONS_PER_GRANT, and evicts none', () => {
    const a = session(registry, 'a', 'g1');
    const b = session(registry, 'b', 'g1');
    [a, b].forEach((s) => registry.add(s));

    let refusal: unknown;
    try {
      registry.assertRoomFor(user('g1'));
    } catch (error) {
      refusal = error;
    }

    expect(refusal).toBeInstanceOf(McpHttpError);
    expect((refusal as McpHttpError).getStatus()).toBe(429);
    expect((refusal as McpHttpError).getResponse()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Too many open MCP sessions for this sign-in (the limit is 2): close one before opening another.' },
      id: null,
    });
    expect([a.closed, b.closed]).toEqual([false, false]);
    expect(registry.find('a', user('g1'), 'sse')).toBe(a);
  });

  it('counts each grant on its own, and a closed session frees its place', async () => {
    ['a', 'b'].forEach((id) => registry.add(session(registry, id, 'g1')));
    expect(() => registry.assertRoomFor(user('g2'))).not.toThrow();
    expect(() => registry.assertRoomFor(user('g1'))).toThrow(McpHttpError);

    await registry.peek('a')!.transport.close();

    expect(() => registry.assertRoomFor(user('g1'))).not.toThrow();
  });

  it('closes the sessions of a revoked or expired grant, checking each grant once, and keeps the others', async () => {
    const a = session(registry, 'a', 'g1');
    const b = session(registry, 'b', 'g1');
    const other = session(registry, 'other', 'g2');
    [a, b, other].forEach((s) => registry.add(s));
    expect(await registry.closeEnded()).toBe(0);
    grants.ended.add('g1');
    grants.checks = [];
    expect(await registry.closeEnded()).toBe(2);
    expect(grants.checks.sort()).toEqual(['g1', 'g2']);
    expect([a.closed, b.closed, other.closed]).toEqual([true, true, false]);
    expect(registry.size).toBe(1);
  });

  it('keeps every session when the store cannot answer (an outage is not a revocation)', async () => {
    const s = session(registry, 's', 'g1');
    registry.add(s);
    grants.down = true;
    expect(await registry.closeEnded()).toBe(0);
    expect(s.closed).toBe(false);
    grants.down = false;
    grants.ended.add('g1');
    expect(await registry.closeEnded()).toBe(1);
  });

  it('runs one grant check at a time', async () => {
    registry.add(session(registry, 's', 'g1'));
    const first = registry.closeEnded();
    expect(await registry.closeEnded()).toBe(0);
    await first;
    expect(grants.checks).toEqual(['g1']);
  });

  it('checks grants on its own timer, every grantCheckMs', async () => {
    jest.useFakeTimers();
    try {
      const timed = new McpSessionRegistry({ ...CONFIG, mcpSessionIdleSeconds: 1800 }, { ...OPTIONS, grantCheckMs: 5_000 }, grants);
      const s = session(timed, 's', 'g1');
      timed.add(s);
      grants.ended.add('g1');
      await jest.advanceTimersByTimeAsync(4_999);
      expect(s.closed).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(s.closed).toBe(true);
      await timed.onModuleDestroy();
    } finally {
      jest.useRealTimers();
    }
  });

  it('closes every session at shutdown (open SSE streams would keep the HTTP server up)', async () => {
    const s = session(registry, 's', 'g1');
    registry.add(s);
    await registry.onModuleDestroy();
    expect(s.closed).toBe(true);
    expect(registry.size).toBe(0);
  });
});
