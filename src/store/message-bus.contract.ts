// Test-only code kept beside the port it specifies; the reference lets the production build type-check it.
/// <reference types="jest" />
import { randomUUID } from 'node:crypto';
import { MessageBus } from './message-bus.port';

/** Resolves with the first `count` messages `bus` delivers on `channel`. */
async function collect(bus: MessageBus, channel: string, count: number): Promise<{ messages: Promise<string[]>; stop: () => Promise<void> }> {
  const seen: string[] = [];
  let done!: (messages: string[]) => void;
  const messages = new Promise<string[]>((resolve) => (done = resolve));
  const stop = await bus.subscribe(channel, (message) => {
    seen.push(message);
    if (seen.length === count) done(seen);
  });
  return { messages, stop };
}

/**
 * The behaviour every `MessageBus` adapter promises (see message-bus.port.ts). `connect` gives
 * one more handle on the same bus, as another instance would hold (for Redis, another pair of
 * connections); the suite closes them all afterwards.
 */
export function describeMessageBusContract(name: string, connect: () => MessageBus): void {
  describe(`${name} message bus contract`, () => {
    const opened: MessageBus[] = [];
    const open = () => {
      const bus = connect();
      opened.push(bus);
      return bus;
    };
    const channel = () => `test:${randomUUID()}`;

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });

    it('delivers what one instance publishes to the subscribers of that channel, in order, and counts the listening instances', async () => {
      const [publisher, a, b] = [open(), open(), open()];
      const topic = channel();
      const onA = await collect(a, topic, 2);
      const onB = await collect(b, topic, 2);

      expect(await publisher.publish(topic, 'first')).toBe(2);
      expect(await publisher.publish(topic, 'second')).toBe(2);

      expect(await onA.messages).toEqual(['first', 'second']);
      expect(await onB.messages).toEqual(['first', 'second']);
    });

    it('answers 0 for a channel nobody listens to, and stops delivering after unsubscribe', async () => {
      const [publisher, subscriber] = [open(), open()];
      const topic = channel();
      expect(await publisher.publish(topic, 'lost')).toBe(0);

      const { stop } = await collect(subscriber, topic, 1);
      expect(await publisher.publish(topic, 'heard')).toBe(1);
      await stop();
      expect(await publisher.publish(topic, 'lost again')).toBe(0);
    });

    it('keeps channels apart', async () => {
      const [publisher, subscriber] = [open(), open()];
      const [mine, theirs] = [channel(), channel()];
      const onMine = await collect(subscriber, mine, 1);
      await subscriber.subscribe(theirs, () => undefined);

      await publisher.publish(mine, 'for me');

      expect(await onMine.messages).toEqual(['for me']);
    });

    it('counts a closed instance as gone: publishing to it reaches nobody', async () => {
      const [publisher, doomed] = [open(), open()];
      const topic = channel();
      await doomed.subscribe(topic, () => undefined);
      expect(await publisher.publish(topic, 'hello')).toBe(1);

      await doomed.close();

      expect(await publisher.publish(topic, 'anyone?')).toBe(0);
    });
  });
}
