import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Request, Response } from 'express';
import { UserContext } from '../oauth/user-context';
import { badRequestError, sessionNotFoundError } from './mcp-http.errors';
import { authInfoFor, McpServerFactory } from './mcp-server.factory';
import { McpSessionRegistry } from './mcp-session.registry';
import { MCP_OPTIONS, McpOptions } from './mcp.options';
import { RequestScopePolicy } from './request-scope.policy';
import { containsInitialize } from './scopes';

/**
 * MCP Streamable HTTP (`POST/GET/DELETE /mcp`) with sessions. A POST `initialize`
 * without `Mcp-Session-Id` opens a session owned by the token's grant; every
 * other request names its session and must come from the same grant.
 *
 * Responses stream as SSE (the SDK's default), never `enableJsonResponse`: on a
 * long-lived transport the JSON mode keeps one stream entry per POST forever
 * (SDK issue #2559), while the SSE mode releases it when the response is written.
 */
@Injectable()
export class StreamableHttpService {
  constructor(
    private readonly sessions: McpSessionRegistry,
    private readonly servers: McpServerFactory,
    private readonly scopes: RequestScopePolicy,
    @Inject(MCP_OPTIONS) private readonly options: McpOptions,
  ) {}

  async handle(req: Request & { auth?: AuthInfo }, res: Response, user: UserContext): Promise<void> {
    const body: unknown = req.method === 'POST' ? req.body : undefined;
    this.scopes.assertAllowed(user, body);
    req.auth = authInfoFor(user);
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.find(sessionId, user, 'streamable-http');
      if (!session) throw sessionNotFoundError();
      await session.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method === 'POST' && containsInitialize(body)) return this.open(req, res, user, body);
    throw badRequestError('Bad Request: Mcp-Session-Id header is required');
  }

  private async open(req: Request, res: Response, user: UserContext, body: unknown): Promise<void> {
    const server = this.servers.create();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      keepAliveMs: this.options.keepAliveMs,
      onsessioninitialized: (id) =>
        this.sessions.add({
          id,
          kind: 'streamable-http',
          owner: { grantId: user.grantId, oid: user.oid },
          server,
          transport,
          lastActivityAt: Date.now(),
        }),
    });
    // DELETE /mcp, idle expiry and shutdown all end here.
    server.onclose = () => this.sessions.remove(transport.sessionId);
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    // The transport refused the initialize (bad headers…): nothing to keep.
    if (transport.sessionId === undefined) await server.close();
  }
}
