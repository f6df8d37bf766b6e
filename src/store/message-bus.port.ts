/**
 * Publish/subscribe between the instances of this server (fire-and-forget, no persistence):
 * what one instance publishes on a channel reaches every instance subscribed to it at that
 * moment. The MCP HTTP+SSE transport uses it to hand a `POST /messages` to the instance that
 * holds the session's stream.
 *
 * Adapters: Redis (REDIS_URL set: several instances), in-process (one instance; unit tests
 * run several "instances" in one process on it).
 */
export abstract class MessageBus {
  /**
   * Calls `handler` with every message published on `channel` until the returned function
   * is called. Resolves once the subscription is in place (a publish after that reaches it).
   */
  abstract subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  /**
   * Publishes `message` on `channel`. Resolves with how many subscribers received it: 0 means
   * nobody listens there (e.g. the instance behind the channel is gone). Rejects with
   * StoreUnavailableError when the bus cannot be reached.
   */
  abstract publish(channel: string, message: string): Promise<number>;
  /** Releases connections; later calls fail. */
  abstract close(): Promise<void>;
}
