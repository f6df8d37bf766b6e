import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { UserContext } from '../oauth/user-context';
import { McpSession, McpSessionRegistry } from './mcp-session.registry';

const user = (grantId: string, oid = `oid-${grantId}`): UserContext => ({
  oid,
  tid: 't',
  name: 'n',
  preferredUsername: 'u',
  clientId: 'c',
  scopes: ['mcp:tools'],
  grantId,
});

/** A session whose server records being closed and, like the SDK, reports it through onclose. */
function session(registry: McpSessionRegistry, id: string, grantId: string, lastActivityAt = Date.now()): McpSession & { closed: boolean } {
  const fake = {
    id,
    kind: 'streamable-http',
    owner: { grantId, oid: `oid-${grantId}` },
    lastActivityAt,
    closed: false,
    transport: {},
    server: {
      close: async () => {
        fake.closed = true;
        registry.remove(id);
      },
    },
  };
  return fake as unknown as McpSession & { closed: boolean };
}

describe('McpSessionRegistry', () => {
  let registry: McpSessionRegistry;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    registry = new McpSessionRegistry({ mcpSessionIdleSeconds: 60 } as AppConfig, { keepAliveMs: 25_000, maxSessionsPerGrant: 2 });
  });
  afterEach(() => registry.onModuleDestroy());

  it('gives a session only to the grant and user that opened it; others see "not found" and it survives', () => {
    const s = session(registry, 's1', 'g1');
    registry.add(s);
    expect(registry.find('s1', user('g1'), 'streamable-http')).toBe(s);
    expect(registry.find('s1', user('g2'), 'streamable-http')).toBeUndefined();
    expect(registry.find('s1', user('g1', 'another-oid'), 'streamable-http')).toBeUndefined();
    expect(registry.find('s1', user('g1'), 'sse')).toBeUndefined();
    expect(registry.find('nope', user('g1'), 'streamable-http')).toBeUndefined();
    expect(s.closed).toBe(false);
    expect(registry.find('s1', user('g1'), 'streamable-http')).toBe(s);
  });

  it('closes sessions idle for MCP_SESSION_IDLE_SECONDS, and only those; use keeps a session alive', () => {
    const now = Date.now();
    const idle = session(registry, 'idle', 'g1', now - 61_000);
    const used = session(registry, 'used', 'g2', now - 61_000);
    const fresh = session(registry, 'fresh', 'g3', now - 1_000);
    [idle, used, fresh].forEach((s) => registry.add(s));
    registry.find('used', user('g2'), 'streamable-http');
    expect(registry.closeIdle(now)).toBe(1);
    expect(idle.closed).toBe(true);
    expect([used.closed, fresh.closed]).toEqual([false, false]);
    expect(registry.size).toBe(2);
  });

  it('closes the least recently used sessions of a grant beyond the limit, never those of other grants', () => {
    const now = Date.now();
    const a = session(registry, 'a', 'g1', now - 3_000);
    const b = session(registry, 'b', 'g1', now - 2_000);
    const other = session(registry, 'other', 'g2', now - 10_000);
    [a, b, other].forEach((s) => registry.add(s));
    const c = session(registry, 'c', 'g1', now);
    registry.add(c);
    expect([a.closed, b.closed, c.closed, other.closed]).toEqual([true, false, false, false]);
  });

  it('closes every session at shutdown (open SSE streams would keep the HTTP server up)', async () => {
    const s = session(registry, 's', 'g1');
    registry.add(s);
    await registry.onModuleDestroy();
    expect(s.closed).toBe(true);
    expect(registry.size).toBe(0);
  });
});
