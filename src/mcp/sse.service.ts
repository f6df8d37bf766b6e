import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { UserContext } from '../shared/user-context';
import { McpHttpError, relayTimeoutError, sessionNotFoundError } from './mcp-http.errors';
import { authInfoFor, McpServerFactory } from './mcp-server.factory';
import { McpSession, McpSessionRegistry } from './mcp-session.registry';
import { MCP_OPTIONS, McpOptions } from './mcp.options';
import { RequestScopePolicy } from './request-scope.policy';
import { sseMessageProblem } from './sse-message.check';
import { SseDelivery, SseSessionRelay } from './sse-session.relay';
import { SseStreamTransport } from './sse-stream.transport';

/** The SDK's SSE session ids are UUIDs; anything else names no session (and never reaches the store). */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * MCP HTTP+SSE transport (protocol 2024-11-05; what MCP Inspector's SSE mode uses):
 * `GET /sse` opens the stream and the session on this instance; `POST /messages?sessionId=…`
 * sends a message into it from any instance (SseSessionRelay carries it to the holder) and is
 * answered 202 once the holder has taken it, before it is handled: the answer goes out on the stream.
 *
 * An idle stream costs little: its MCP server is created when its first message arrives, and one
 * timer sends the keep-alive comments of every stream.
 */
@Injectable()
export class SseService implements OnModuleDestroy {
  private readonly messagesPath: string;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    config: AppConfig,
    private readonly sessions: McpSessionRegistry,
    private readonly servers: McpServerFactory,
    private readonly scopes: RequestScopePolicy,
    private readonly relay: SseSessionRelay,
    @Inject(MCP_OPTIONS) options: McpOptions,
  ) {
    this.messagesPath = `${new URL(config.serverUrl).pathname.replace(/\/+$/, '')}/messages`;
    relay.serveLocally((sessionId, user, message) => this.deliverLocally(sessionId, user, message));
    // Comment lines keep proxies from cutting an idle stream; a stream opened since the last round gets its first one sooner.
    this.keepAlive = setInterval(() => {
      for (const session of this.sessions.all()) session.transport.keepAlive();
    }, options.keepAliveMs);
    this.keepAlive.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.keepAlive);
  }

  async open(res: Response, user: UserContext): Promise<void> {
    this.scopes.assertAllowed(user, undefined);
    this.sessions.assertRoomFor(user);
    const transport = new SseStreamTransport(this.messagesPath, res);
    const id = transport.sessionId;
    const owner = { grantId: user.grantId, oid: user.oid };
    // Before the stream opens: if the store cannot take the record, the client gets a 503 it can retry.
    await this.relay.claim(id, owner);
    // The client may have left while the claim was being stored (a real wait on Redis): its
    // stream's 'close' is past, so a session opened now would never hear it. Nothing to open.
    if (res.destroyed) {
      await this.relay.release(id);
      return;
    }
    // The client disconnecting, or the registry closing the session, closes the transport (and its server, if any).
    transport.onclose = () => {
      this.sessions.remove(id);
      void this.relay.release(id);
    };
    res.setHeader('X-Accel-Buffering', 'no');
    this.sessions.add({ id, kind: 'sse', owner, transport, lastActivityAt: Date.now() });
    await transport.open();
  }

  async post(req: Request, res: Response, user: UserContext, sessionId: unknown): Promise<void> {
    // Checked here, not by the transport: its refusals are plain text that quote the input.
    const problem = sseMessageProblem(req.headers['content-type'], req.body);
    if (problem) throw new McpHttpError(problem.status, { jsonrpc: '2.0', error: { code: problem.code, message: problem.message }, id: null });
    this.scopes.assertAllowed(user, req.body);
    if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) throw sessionNotFoundError();
    const message: unknown = req.body;
    const outcome: SseDelivery = this.sessions.find(sessionId, user, 'sse')
      ? await this.deliverLocally(sessionId, user, message)
      : await this.relay.deliver(sessionId, user, message);
    switch (outcome) {
      case 'accepted':
        res.status(202).type('text/plain').end('Accepted');
        return;
      case 'not-found':
        throw sessionNotFoundError();
      case 'invalid':
        // The same refusal as sseMessageProblem's: the holder's transport found what this instance let through.
        throw new McpHttpError(400, { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request: the body is not a single JSON-RPC 2.0 message.' }, id: null });
      case 'timeout':
        throw relayTimeoutError();
    }
  }

  /** Hands a message to a session held here, as `user` (the session's own grant and user only). */
  private async deliverLocally(sessionId: string, user: UserContext, message: unknown): Promise<Exclude<SseDelivery, 'timeout'>> {
    const session = this.sessions.find(sessionId, user, 'sse');
    if (!session) return 'not-found';
    await (session.server ??= this.serve(session));
    try {
      await session.transport.handleMessage(message, { authInfo: authInfoFor(user) });
    } catch {
      return 'invalid';
    }
    return 'accepted';
  }

  /** The session's MCP server, connected to its (already open) stream: from here on the server's own protocol state lives with the session. */
  private async serve(session: McpSession): Promise<Server> {
    const server = this.servers.create();
    await server.connect(session.transport);
    return server;
  }
}
