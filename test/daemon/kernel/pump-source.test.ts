// The event pump's supervisor when the pump cannot even be run: a spawn that fails emits 'error'
// and no 'exit', and used to leave the start waiting for ever. Now it is tried again, then the
// start is refused with the reason and the fix.
import { describe, expect, it } from 'vitest';
import { defaultPumpCommand, PumpSource, type DatagramHandlers } from '../../../daemon/src/kernel/datagram-source.js';
import { NetlinkSocketError } from '../../../daemon/src/kernel/errors.js';

async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const handlers: DatagramHandlers = { datagram: () => undefined, settled: () => undefined, overrun: () => undefined };

describe('PumpSource', () => {
  it('refuses to start, naming the spawn failure, when the pump cannot be run', async () => {
    const source = new PumpSource({ groups: [] }, { command: '/nonexistent/half-event-pump', args: [] });
    const refused = await source.start(handlers).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(NetlinkSocketError);
    expect((refused as NetlinkSocketError).message).toBe('the conntrack event pump failed to start 5 times: event pump: spawn /nonexistent/half-event-pump ENOENT');
    expect((refused as NetlinkSocketError).hint).toMatch(/reinstall half-syncd/);
    expect(source.restarts).toBe(4);
  });

  it('after a pump ran, runs it again for as long as it takes, then reports the events lost meanwhile', async () => {
    const real = defaultPumpCommand();
    let broken = false;
    const command = { get command() { return broken ? '/nonexistent/half-event-pump' : real.command; }, args: real.args };
    const source = new PumpSource({ groups: [] }, command);
    let overruns = 0;
    await source.start({ ...handlers, overrun: () => overruns++ });
    broken = true;
    (source as unknown as { child: { kill(signal: string): void } }).child.kill('SIGKILL');
    // more failed runs than a first start is allowed (5), a little later each time
    await waitUntil(() => source.restarts >= 6, 10_000);
    expect(source.lastError).toMatch(/spawn \/nonexistent\/half-event-pump ENOENT/);
    broken = false;
    await waitUntil(() => overruns === 1, 15_000);
    expect(overruns).toBe(1); // the events lost while no pump ran, reported once the new one listens
    source.close();
  }, 30_000);

  it('stops trying once closed', async () => {
    const source = new PumpSource({ groups: [] }, { command: '/nonexistent/half-event-pump', args: [] });
    let settled = false;
    void source.start(handlers).then(() => (settled = true), () => (settled = true));
    source.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(source.restarts).toBe(0);
    expect(settled).toBe(false); // closing answers no start: the caller closed it
  });
});
