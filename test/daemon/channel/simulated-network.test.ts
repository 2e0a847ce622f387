import { describe, expect, it } from 'vitest';
import { SimulatedNetwork } from '../../../daemon/src/channel/simulated-network.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';


describe('SimulatedNetwork', () => {
  it('delivers to every other endpoint (or one peer) after a delay, never to the sender', () => {
    const clock = new FakeClock();
    const network = new SimulatedNetwork(clock, { seed: 1, minDelayMs: 2, maxDelayMs: 2 });
    const a = network.attach('192.0.2.1');
    const b = network.attach('192.0.2.2');
    const c = network.attach('192.0.2.3');
    const got: string[] = [];
    for (const [name, channel] of [['a', a], ['b', b], ['c', c]] as const) {
      channel.onMessage((frame, from) => {
        got.push(`${name}<-${from}:${frame[0]}@${clock.now()}`);
        return true;
      });
    }
    a.send(Uint8Array.from([1]));
    a.send(Uint8Array.from([2]), '192.0.2.3');
    expect(got).toEqual([]);
    clock.advance(2);
    expect(got.sort()).toEqual(['b<-192.0.2.1:1@2', 'c<-192.0.2.1:1@2', 'c<-192.0.2.1:2@2']);
  });

  it('loses, duplicates and reorders in proportion, reproducibly for a seed', () => {
    const run = (seed: number): number[] => {
      const clock = new FakeClock();
      const network = new SimulatedNetwork(clock, { seed, loss: 0.2, duplicate: 0.1, minDelayMs: 0, maxDelayMs: 10 });
      const sender = network.attach('192.0.2.1');
      const receiver = network.attach('192.0.2.2');
      const order: number[] = [];
      receiver.onMessage((frame) => {
        order.push(new DataView(frame.buffer, frame.byteOffset).getUint32(0));
      });
      for (let i = 0; i < 10_000; i++) {
        const frame = new Uint8Array(4);
        new DataView(frame.buffer).setUint32(0, i);
        sender.send(frame);
        clock.advance(0.1);
      }
      clock.advance(20);
      expect(network.stats.lost / network.stats.sent).toBeCloseTo(0.2, 1);
      expect(network.stats.duplicated / (network.stats.sent - network.stats.lost)).toBeCloseTo(0.1, 1);
      expect(order.length).toBe(network.stats.sent - network.stats.lost + network.stats.duplicated);
      return order;
    };
    const first = run(42);
    expect(run(42)).toEqual(first);
    expect(run(43)).not.toEqual(first);
    // Reordered: some frame arrives after a later one.
    expect(first.some((value, i) => i > 0 && value < (first[i - 1] as number))).toBe(true);
  });

  it('cuts endpoints off, reports send errors from a cut endpoint, and injects as any source', () => {
    const clock = new FakeClock();
    const network = new SimulatedNetwork(clock, { seed: 3 });
    const a = network.attach('192.0.2.1');
    const b = network.attach('192.0.2.2');
    const got: string[] = [];
    const errors: string[] = [];
    b.onMessage((frame, from) => {
      got.push(`${from}:${frame[0]}`);
    });
    a.onError((error) => errors.push(error.message));
    network.setUp('192.0.2.1', false);
    a.send(Uint8Array.from([1]));
    clock.advance(1);
    expect(got).toEqual([]);
    expect(errors).toHaveLength(1);
    network.inject(Uint8Array.from([9]), '198.51.100.7', '192.0.2.2');
    expect(got).toEqual(['198.51.100.7:9']);
  });
});
