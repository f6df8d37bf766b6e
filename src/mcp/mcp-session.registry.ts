import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/server';
import { AppConfig } from '../config/app-config';
import { GrantLiveness } from '../oauth/grant-liveness';
import { UserContext } from '../shared/user-context';
import { tooManySessionsError } from './mcp-http.errors';
import { MCP_OPTIONS, McpOptions } from './mcp.options';
import type { SseStreamTransport } from './sse-stream.transport';

/** `/mcp` keeps no sessions (stateless, both eras): only HTTP+SSE streams live here. */
export interface McpSession {
  id: string;
  kind: 'sse';
  /** The grant (and user) that opened the session: only they may use it. */
  owner: { grantId: string; oid: string };
  transport: SseStreamTransport;
  /** The session's MCP server, created when its first message arrives: an idle stream holds none. */
  server?: Promise<Server>;
  lastActivityAt: number;
}

export type McpSessionKind = McpSession['kind'];

/** Grants checked concurrently in one sweep: bounds the burst of store reads with many sessions. */
const GRANT_CHECK_BATCH = 32;

/**
 * The open HTTP+SSE sessions of this process (`/mcp` keeps none). A session lives in the memory of
 * the instance that opened it; SSE messages reach it from other instances through
 * SseSessionRelay (tokens and grants are shared through the store).
 *
 * One periodic sweep closes idle sessions (no request for MCP_SESSION_IDLE_SECONDS) and
 * sessions whose grant has ended (revoked or expired, on any instance: the grant lives in the
 * shared store), so an open stream does not outlive its grant by up to the idle timeout.
 * Closing a session's transport ends its stream (and its server, if it has one), which
 * removes it from here.
 */
@Injectable()
export class McpSessionRegistry implements OnModuleDestroy {
  private readonly logger = new Logger(McpSessionRegistry.name);
  private readonly sessions = new Map<string, McpSession>();
  private readonly idleMs: number;
  private readonly maxPerGrant: number;
  private readonly sweeper: NodeJS.Timeout;
  private checkingGrants = false;

  constructor(
    config: AppConfig,
    @Inject(MCP_OPTIONS) private readonly options: McpOptions,
    private readonly grants: GrantLiveness,
  ) {
    this.idleMs = config.mcpSessionIdleSeconds * 1000;
    this.maxPerGrant = config.mcpMaxSessionsPerGrant;
    const sweepMs = Math.min(60_000, Math.max(250, this.idleMs / 4), Math.max(50, options.grantCheckMs));
    this.sweeper = setInterval(() => void this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Every open session, whoever owns it: for work on all streams (keep-alive), never for serving requests. */
  all(): IterableIterator<McpSession> {
    return this.sessions.values();
  }

  /**
   * Refuses a new session for `user`'s grant when it already has MCP_MAX_SESSIONS_PER_GRANT open
   * here (429). Refusing the newcomer, rather than evicting the least recently used session as
   * this server once did silently: an evicted client gets 404 on its next request, re-opens as
   * the spec tells it to, and evicts another, so once more clients than the limit share a token
   * they push each other out in a loop, and each of them loses work it never hears about. A
   * refusal is said once, to the one client that asked for too much, with a reason it can show,
   * while every open session keeps working; sessions free their place when closed, on idle
   * expiry or when their grant ends. The count is per instance (each holds its own streams).
   */
  assertRoomFor(user: UserContext): void {
    let open = 0;
    for (const session of this.sessions.values()) if (session.owner.grantId === user.grantId) open += 1;
    if (open < this.maxPerGrant) return;
    this.logger.warn({ msg: 'Refused a new MCP session: the grant has reached MCP_MAX_SESSIONS_PER_GRANT', oid: user.oid, clientId: user.clientId, limit: this.maxPerGrant });
    throw tooManySessionsError(this.maxPerGrant);
  }

  add(session: McpSession): void {
    this.sessions.set(session.id, session);
  }

  /**
   * The session `id` of `kind` if `user` may use it. Unknown ids and other grants'
   * sessions look the same (undefined → 404); the session itself is untouched.
   */
  find<K extends McpSessionKind>(id: string, user: UserContext, kind: K): Extract<McpSession, { kind: K }> | undefined {
    const session = this.sessions.get(id);
    if (!session || session.kind !== kind) return undefined;
    if (session.owner.grantId !== user.grantId || session.owner.oid !== user.oid) {
      this.logger.warn({ msg: "Refused a request for another grant's MCP session", kind, oid: user.oid, clientId: user.clientId });
      return undefined;
    }
    session.lastActivityAt = Date.now();
    return session as Extract<McpSession, { kind: K }>;
  }

  /** The session with this id, whoever owns it: for diagnostics and tests, never for serving requests. */
  peek(id: string): McpSession | undefined {
    return this.sessions.get(id);
  }

  /** Called when a session's transport has closed. */
  remove(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  /** Closes sessions idle since before `now - idle`; returns how many. */
  closeIdle(now: number): number {
    let closed = 0;
    for (const session of this.sessions.values()) {
      if (now - session.lastActivityAt >= this.idleMs) {
        this.logger.log({ msg: 'Closing an idle MCP session', kind: session.kind, oid: session.owner.oid });
        this.close(session);
        closed += 1;
      }
    }
    return closed;
  }

  /**
   * Closes the sessions whose grant has ended; returns how many. One liveness read per
   * distinct grant (O(sessions)), and never two checks at once. A grant the store cannot
   * answer for keeps its sessions: an outage must not drop every open stream (new requests
   * are refused meanwhile anyway), and the next sweep asks again.
   */
  async closeEnded(): Promise<number> {
    if (this.checkingGrants) return 0;
    this.checkingGrants = true;
    try {
      const grantIds = [...new Set([...this.sessions.values()].map((s) => s.owner.grantId))];
      const ended = new Set<string>();
      let unanswered = 0;
      for (let i = 0; i < grantIds.length; i += GRANT_CHECK_BATCH) {
        await Promise.all(
          grantIds.slice(i, i + GRANT_CHECK_BATCH).map(async (grantId) => {
            try {
              if (!(await this.grants.isActive(grantId))) ended.add(grantId);
            } catch {
              unanswered += 1;
            }
          }),
        );
      }
      if (unanswered > 0) this.logger.warn({ msg: 'Could not check the grants of open MCP sessions; keeping them for now', grants: unanswered });
      const closing = [...this.sessions.values()].filter((session) => ended.has(session.owner.grantId));
      for (const session of closing) {
        this.logger.log({ msg: 'Closing an MCP session: its grant was revoked or has expired', kind: session.kind, oid: session.owner.oid });
      }
      await Promise.all(closing.map((session) => this.close(session)));
      return closing.length;
    } finally {
      this.checkingGrants = false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    // Open SSE streams would otherwise keep the HTTP server from closing.
    await Promise.all([...this.sessions.values()].map((session) => this.close(session)));
    this.sessions.clear();
  }

  private async sweep(): Promise<void> {
    this.closeIdle(Date.now());
    await this.closeEnded();
  }

  private close(session: McpSession): Promise<void> {
    this.sessions.delete(session.id);
    return session.transport.close().catch((error: unknown) => {
      this.logger.warn({ msg: 'Closing an MCP session failed', error: error instanceof Error ? error.name : typeof error });
    });
  }
}
