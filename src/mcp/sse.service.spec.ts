import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../config/app-config';
import { GrantLiveness } from '../oauth/grant-liveness';
import { UserContext } from '../shared/user-context';
import { McpServerFactory } from './mcp-server.factory';
import { McpSessionRegistry } from './mcp-session.registry';
import { DEFAULT_MCP_OPTIONS } from './mcp.options';
import { RequestScopePolicy } from './request-scope.policy';
import { SseService } from './sse.service';
import { SseSessionRelay } from './sse-session.relay';

const adele: UserContext = { oid: 'oid-a', tid: 't', name: 'Adele', preferredUsername: 'a', clientId: 'c', scopes: ['mcp:tools'], roles: [], groups: [], grantId: 'grant-a' };

class LiveGrants extends GrantLiveness {
  async isActive(): Promise<boolean> {
    return true;
  }
}

/** A relay whose claim is held until the test lets it go (as a slow store would), and which records releases. */
function slowRelay() {
  let letGo: () => void = () => undefined;
  const claimed = new Promise<void>((resolve) => (letGo = resolve));
  const released: string[] = [];
  const relay = {
    serveLocally: () => undefined,
    claim: () => claimed,
    release: async (id: string) => void released.push(id),
  } as unknown as SseSessionRelay;
  return { relay, letGo, released };
}

describe('SseService.open', () => {
  let http: Server;

  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => http?.close());

  it('opens no session for a client that left while its session was being claimed in the store', async () => {
    const registry = new McpSessionRegistry({ mcpSessionIdleSeconds: 600, mcpMaxSessionsPerGrant: 5 } as AppConfig, DEFAULT_MCP_OPTIONS, new LiveGrants());
    const { relay, letGo, released } = slowRelay();
    const service = new SseService(
      { serverUrl: 'http://localhost:3000' } as AppConfig,
      registry,
      {} as McpServerFactory,
      { assertAllowed: () => undefined } as unknown as RequestScopePolicy,
      relay,
      DEFAULT_MCP_OPTIONS,
    );
    let opened!: Promise<void>;
    const requestArrived = new Promise<void>((resolve) => {
      http = createServer((_req, res) => {
        opened = service.open(res as Response, adele);
        resolve();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client = get({ host: '127.0.0.1', port: (http.address() as AddressInfo).port, path: '/sse' });
    client.on('error', () => undefined);
    await requestArrived;
    client.destroy();
    // Long enough for the server to see the connection close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    letGo();
    await opened;
    expect(registry.size).toBe(0);
    expect(released).toHaveLength(1);
    service.onModuleDestroy();
    await registry.onModuleDestroy();
  });
});
