import { Inject, Injectable } from '@nestjs/common';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { UserContext } from '../oauth/user-context';
import { McpHttpError, sessionNotFoundError } from './mcp-http.errors';
import { authInfoFor, McpServerFactory } from './mcp-server.factory';
import { McpSessionRegistry } from './mcp-session.registry';
import { MCP_OPTIONS, McpOptions } from './mcp.options';
import { RequestScopePolicy } from './request-scope.policy';
import { sseMessageProblem } from './sse-message.check';

/**
 * MCP HTTP+SSE transport (protocol 2024-11-05; what MCP Inspector's SSE mode uses):
 * `GET /sse` opens the stream and the session; `POST /messages?sessionId=…` sends
 * messages into it and is answered 202 before the message is handled.
 */
@Injectable()
export class SseService {
  private readonly messagesPath: string;

  constructor(
    config: AppConfig,
    private readonly sessions: McpSessionRegistry,
    private readonly servers: McpServerFactory,
    private readonly scopes: RequestScopePolicy,
    @Inject(MCP_OPTIONS) private readonly options: McpOptions,
  ) {
    this.messagesPath = `${new URL(config.serverUrl).pathname.replace(/\/+$/, '')}/messages`;
  }

  async open(res: Response, user: UserContext): Promise<void> {
    this.scopes.assertAllowed(user, undefined);
    const transport = new SSEServerTransport(this.messagesPath, res);
    const server = this.servers.create();
    // Comment lines keep proxies from cutting an idle stream (SSE: lines starting with ':' are ignored).
    const keepAlive = setInterval(() => {
      if (!res.writableEnded) res.write(': keepalive\n\n');
    }, this.options.keepAliveMs);
    keepAlive.unref();
    // The client disconnecting closes the transport, then the server: either way the session goes.
    server.onclose = () => {
      clearInterval(keepAlive);
      this.sessions.remove(transport.sessionId);
    };
    res.setHeader('X-Accel-Buffering', 'no');
    this.sessions.add({
      id: transport.sessionId,
      kind: 'sse',
      owner: { grantId: user.grantId, oid: user.oid },
      server,
      transport,
      lastActivityAt: Date.now(),
    });
    await server.connect(transport);
  }

  async post(req: Request & { auth?: AuthInfo }, res: Response, user: UserContext, sessionId: unknown): Promise<void> {
    // Checked here, not by the transport: its refusals are plain text that quote the input.
    const problem = sseMessageProblem(req.headers['content-type'], req.body);
    if (problem) throw new McpHttpError(problem.status, { jsonrpc: '2.0', error: { code: problem.code, message: problem.message }, id: null });
    this.scopes.assertAllowed(user, req.body);
    const session = typeof sessionId === 'string' ? this.sessions.find(sessionId, user, 'sse') : undefined;
    if (!session) throw sessionNotFoundError();
    req.auth = authInfoFor(user);
    // The transport answers `202 Accepted` as bare text without a content type.
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    await session.transport.handlePostMessage(req, res, req.body);
  }
}
