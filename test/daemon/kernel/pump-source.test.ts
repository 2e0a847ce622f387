// The event pump's supervisor when the pump cannot even be run: a spawn that fails emits 'error'
// and no 'exit', and used to leave the start waiting for ever. Now it is tried again, then the
// start is refused with the reason and the fix.
import { describe, expect, it } from 'vitest';
import { PumpSource, type DatagramHandlers } from '../../../daemon/src/kernel/datagram-source.js';
import { NetlinkSocketError } from '../../../daemon/src/kernel/errors.js';

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
