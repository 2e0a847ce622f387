// RST counting with nft counters, against the real kernel: a connection to a closed port is
// answered with a reset, which the server side counts as sent and the client side as received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../helpers/netns.js';
import { installRstCounters, readRstCounters } from './rst-counter.js';

const net = createNamespaces('forst');
beforeAll(async () => {
  await net.addNs('client');
  await net.addNs('server');
  await net.veth('client', 'eth0', 'server', 'eth0');
  await net.addr('client', 'eth0', '198.51.100.10/24');
  await net.addr('server', 'eth0', '198.51.100.128/24');
  await installRstCounters(net, 'client');
  await installRstCounters(net, 'server');
});
afterAll(() => net.cleanup());

describe('RST counters', () => {
  it('start at zero and count the reset of a refused connection on both sides', async () => {
    expect(await readRstCounters(net, 'server')).toEqual({ received: 0, sent: 0 });
    const refused = await net.exec('client', ['socat', '-u', 'TCP:198.51.100.128:9,connect-timeout=2', 'STDOUT']);
    expect(refused.stderr).toMatch(/Connection refused/);
    expect(await readRstCounters(net, 'server')).toEqual({ received: 0, sent: 1 });
    expect(await readRstCounters(net, 'client')).toEqual({ received: 1, sent: 0 });
  });
});
