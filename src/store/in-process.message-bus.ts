import { Logger } from '@nestjs/common';
import { MessageBus } from './message-bus.port';
import { StoreUnavailableError } from './store.port';

/**
 * The message bus of one process: enough for a single instance (no Redis), and for unit
 * tests that run several "instances" in one process on one bus. Handlers run on a later
 * tick, as they would with a network in between.
 */
export class InProcessMessageBus extends MessageBus {
  private readonly logger = new Logger(InProcessMessageBus.name);
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  private closed = false;

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.assertOpen();
    // A wrapper per subscription: the same handler subscribed twice is two subscribers.
    const subscriber = (message: string) => handler(message);
    let handlers = this.channels.get(channel);
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    handlers.add(subscriber);
    return async () => {
      handlers.delete(subscriber);
      if (handlers.size === 0 && this.channels.get(channel) === handlers) this.channels.delete(channel);
    };
  }

  async publish(channel: string, message: string): Promise<number> {
    this.assertOpen();
    const handlers = [...(this.channels.get(channel) ?? [])];
    for (const handler of handlers) {
      setImmediate(() => {
        try {
          handler(message);
        } catch (error) {
          this.logger.warn({ msg: 'A message handler failed', error: error instanceof Error ? error.name : typeof error });
        }
      });
    }
    return handlers.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('The in-process message bus is closed');
  }
}
