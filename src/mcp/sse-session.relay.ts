import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { SigningKeysService } from '../config/signing-keys.service';
import { entraAssertionOf, UserContext, withEntraAssertion } from '../shared/user-context';
import { MessageBus } from '../store/message-bus.port';
import { Store } from '../store/store.port';
import { MCP_OPTIONS, McpOptions } from './mcp.options';

/** What became of a message handed to an SSE session. */
export type SseDelivery =
  /** The session's instance took it; the answer goes out on the session's stream. */
  | 'accepted'
  /** No such session for this user: unknown, closed, another grant's, or its instance is gone. */
  | 'not-found'
  /** The transport refused the message. */
  | 'invalid'
  /** The session's instance is subscribed but did not answer in time. */
  | 'timeout';

/** Hands a message to a session held by this instance (the SSE service). */
export type LocalSseDelivery = (sessionId: string, user: UserContext, message: unknown) => Promise<Exclude<SseDelivery, 'timeout'>>;

/** The store record naming the instance that holds a session's stream, and who may use the session. */
interface Ownership {
  instance: string;
  grantId: string;
  oid: string;
}

type Envelope =
  | {
      type: 'deliver';
      id: string;
      replyTo: string;
      sessionId: string;
      user: UserContext;
      message: unknown;
      /** Direct mode: the caller's Entra token (for On-Behalf-Of), AES-256-GCM sealed for the trip over the bus. */
      sealedAssertion?: string;
    }
  | { type: 'reply'; id: string; outcome: Exclude<SseDelivery, 'timeout'> };

const ownershipKey = (sessionId: string) => `sse-session:${sessionId}`;
const instanceChannel = (instance: string) => `sse:instance:${instance}`;

/**
 * HTTP+SSE across instances. A session's stream lives on the instance that accepted `GET /sse`;
 * its `POST /messages` may reach any instance (no sticky routing needed). So:
 *
 * - the owner records `sse-session:<id>` → {instance, grant, user} in the shared store, with a
 *   TTL it keeps refreshing while the stream is open, and deletes it when the stream closes;
 * - every instance subscribes to its own channel on the message bus;
 * - an instance that gets a POST for a session it does not hold reads the record (unknown, or
 *   another grant's → 404), publishes the message on the owner's channel and waits for the
 *   owner's reply: accepted (→ 202) or not found. PUBLISH reports how many instances listen, so
 *   a dead owner (its Redis connection closed with the process) is a 404 at once, and a record
 *   whose owner died without a word expires with its TTL; an owner that listens but does not
 *   answer within the delivery timeout is a 503, never a hang.
 *
 * Without Redis the bus and store are this process's own: every session is local, as before.
 */
@Injectable()
export class SseSessionRelay implements OnModuleInit, OnModuleDestroy {
  /** This process; a restarted instance is a new one (its sessions did not survive). */
  readonly instanceId = randomUUID();
  private readonly logger = new Logger(SseSessionRelay.name);
  private readonly claimed = new Map<string, Ownership>();
  private readonly pending = new Map<string, (outcome: SseDelivery) => void>();
  private localDelivery?: LocalSseDelivery;
  private unsubscribe?: () => Promise<void>;
  private refresher?: NodeJS.Timeout;
  private refreshing = false;
  private resubscriber?: NodeJS.Timeout;
  private destroyed = false;
  private static readonly RESUBSCRIBE_MS = 1000;

  constructor(
    private readonly store: Store,
    private readonly bus: MessageBus,
    @Inject(MCP_OPTIONS) private readonly options: McpOptions,
    private readonly keys: SigningKeysService,
  ) {}

  /** Where messages relayed to this instance go (set once by the SSE service). */
  serveLocally(delivery: LocalSseDelivery): void {
    this.localDelivery = delivery;
  }

  /**
   * Subscribes to this instance's channel. A store outage at start must not keep the server
   * from starting (health answers, readiness says 503, requests get 503 with Retry-After): the
   * subscription is then retried in the background until the bus answers. Until then no other
   * instance can reach this one's streams, and none are open yet.
   */
  async onModuleInit(): Promise<void> {
    await this.subscribe();
    this.refresher = setInterval(() => void this.refresh(), Math.max(20, Math.floor(this.options.sseOwnershipTtlMs / 3)));
    this.refresher.unref();
  }

  private async subscribe(): Promise<void> {
    if (this.destroyed) return;
    try {
      this.unsubscribe = await this.bus.subscribe(instanceChannel(this.instanceId), (text) => void this.receive(text));
      if (this.resubscriber) this.logger.log({ msg: 'Subscribed to the message bus: SSE messages from other instances reach this one again' });
      this.resubscriber = undefined;
    } catch (error) {
      if (!this.resubscriber) {
        this.logger.warn({ msg: 'The message bus is unavailable: SSE messages from other instances cannot reach this one; retrying', reason: error instanceof Error ? error.message : String(error) });
      }
      this.resubscriber = setTimeout(() => void this.subscribe(), SseSessionRelay.RESUBSCRIBE_MS);
      this.resubscriber.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    clearTimeout(this.resubscriber);
    clearInterval(this.refresher);
    for (const settle of this.pending.values()) settle('not-found');
    this.pending.clear();
    await this.unsubscribe?.().catch(() => undefined);
  }

  /** Records this instance as the holder of a new session's stream (before the stream opens: a store outage refuses it). */
  async claim(sessionId: string, owner: { grantId: string; oid: string }): Promise<void> {
    const ownership: Ownership = { instance: this.instanceId, grantId: owner.grantId, oid: owner.oid };
    await this.store.set(ownershipKey(sessionId), JSON.stringify(ownership), this.options.sseOwnershipTtlMs);
    this.claimed.set(sessionId, ownership);
  }

  /** The session's stream has closed: forget it here and in the store (best effort: the TTL ends it anyway). */
  async release(sessionId: string): Promise<void> {
    if (!this.claimed.delete(sessionId)) return;
    await this.store.delete(ownershipKey(sessionId)).catch(() => undefined);
  }

  /**
   * Delivers `message` to a session held by another instance, as `user` (already authenticated
   * and scope-checked here). Resolves once the owner accepted or refused it, or the wait ended.
   */
  async deliver(sessionId: string, user: UserContext, message: unknown): Promise<SseDelivery> {
    const ownership = parseOwnership(await this.store.get(ownershipKey(sessionId)));
    if (!ownership || ownership.instance === this.instanceId) return 'not-found';
    if (ownership.grantId !== user.grantId || ownership.oid !== user.oid) {
      this.logger.warn({ msg: "Refused a request for another grant's MCP session", kind: 'sse', oid: user.oid, clientId: user.clientId });
      return 'not-found';
    }
    const id = randomUUID();
    const reply = new Promise<SseDelivery>((resolve) => {
      const timer = setTimeout(() => settle('timeout'), this.options.sseDeliveryTimeoutMs);
      const settle = (outcome: SseDelivery) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(outcome);
      };
      this.pending.set(id, settle);
    });
    // The UserContext serializes without the caller's Entra token (non-enumerable): it travels sealed, bound to this message.
    const assertion = entraAssertionOf(user);
    const sealedAssertion = assertion === undefined ? undefined : this.keys.encrypt(assertion, `sse-relay:${id}`);
    const envelope: Envelope = { type: 'deliver', id, replyTo: this.instanceId, sessionId, user, message, sealedAssertion };
    let listeners: number;
    try {
      listeners = await this.bus.publish(instanceChannel(ownership.instance), JSON.stringify(envelope));
    } catch (error) {
      this.pending.get(id)?.('not-found');
      throw error;
    }
    if (listeners === 0) {
      // The owner is gone (its subscription ended with it): its record is stale.
      this.pending.get(id)?.('not-found');
      this.logger.log({ msg: 'An SSE session\'s instance is gone; answering "not found" so the client reconnects', oid: user.oid });
      await this.store.delete(ownershipKey(sessionId)).catch(() => undefined);
    }
    const outcome = await reply;
    if (outcome === 'timeout') this.logger.warn({ msg: "An SSE session's instance did not take a message in time", oid: user.oid });
    return outcome;
  }

  private async receive(text: string): Promise<void> {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.type === 'reply') {
      this.pending.get(envelope.id)?.(envelope.outcome);
      return;
    }
    if (envelope.type !== 'deliver') return;
    let outcome: Exclude<SseDelivery, 'timeout'> = 'not-found';
    try {
      const assertion = envelope.sealedAssertion === undefined ? null : this.keys.decrypt(envelope.sealedAssertion, `sse-relay:${envelope.id}`);
      const user = assertion === null ? envelope.user : withEntraAssertion(envelope.user, assertion);
      if (this.localDelivery) outcome = await this.localDelivery(envelope.sessionId, user, envelope.message);
    } catch (error) {
      this.logger.warn({ msg: 'Delivering a relayed SSE message failed', error: error instanceof Error ? error.name : typeof error });
      outcome = 'invalid';
    }
    const reply: Envelope = { type: 'reply', id: envelope.id, outcome };
    await this.bus.publish(instanceChannel(envelope.replyTo), JSON.stringify(reply)).catch((error: unknown) => {
      this.logger.warn({ msg: 'Could not answer a relayed SSE message', error: error instanceof Error ? error.name : typeof error });
    });
  }

  /** Keeps this instance's records alive; one that cannot be written now is written at the next round. */
  private async refresh(): Promise<void> {
    if (this.refreshing || this.claimed.size === 0) return;
    this.refreshing = true;
    try {
      const results = await Promise.allSettled(
        [...this.claimed].map(([sessionId, ownership]) => this.store.set(ownershipKey(sessionId), JSON.stringify(ownership), this.options.sseOwnershipTtlMs)),
      );
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) this.logger.warn({ msg: 'Could not refresh the ownership of open SSE sessions', sessions: failed });
    } finally {
      this.refreshing = false;
    }
  }
}

function parseOwnership(text: string | null): Ownership | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Ownership>;
    if (typeof value.instance === 'string' && typeof value.grantId === 'string' && typeof value.oid === 'string') return value as Ownership;
  } catch {
    // A record we cannot read names no session.
  }
  return undefined;
}
