import { InProcessMessageBus } from './in-process.message-bus';
import { MessageBus } from './message-bus.port';
import { describeMessageBusContract } from './message-bus.contract';

/**
 * Handles on one in-process bus, as instances would share Redis. Closing a handle ends its own
 * subscriptions only (the shared bus stays up for the others).
 */
class Handle extends MessageBus {
  private readonly stops: (() => Promise<void>)[] = [];
  constructor(private readonly shared: InProcessMessageBus) {
    super();
  }
  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const stop = await this.shared.subscribe(channel, handler);
    this.stops.push(stop);
    return stop;
  }
  publish(channel: string, message: string): Promise<number> {
    return this.shared.publish(channel, message);
  }
  async close(): Promise<void> {
    await Promise.all(this.stops.splice(0).map((stop) => stop()));
  }
}

describe('InProcessMessageBus', () => {
  const shared = new InProcessMessageBus();
  describeMessageBusContract('in-process', () => new Handle(shared));

  it('refuses to publish once closed', async () => {
    const bus = new InProcessMessageBus();
    await bus.close();
    await expect(bus.publish('c', 'm')).rejects.toThrow('closed');
  });
});
