// openSyncChannel waits for a multicast link that comes up late, as it does for a unicast one:
// the IPv4 sync address (the interface the group is joined on) or the IPv6 sync interface (the
// scope of the group's bind) appears after the daemon started, and the link opens instead of the
// start failing for good as a configuration error (exit 78). An interface that never appears
// still ends the start, with an error naming the half.conf key. Real sockets, in a namespace.
import { afterAll, describe, expect, it } from 'vitest';
import { NetnsLab } from '../channel/netns-lab.js';
import type { PeerProcess } from '../channel/netns-lab.js';

const FIXTURE = 'test/daemon/runtime/fixtures/open-sync-link.ts';
const conf = (sync: string): string => `[node]\nid = 1\nrole = primary\n[sync]\n${sync}[vips]\nlan0 = 192.0.2.254/24\n`;

describe('openSyncChannel with a multicast link not there yet (real sockets in a namespace)', () => {
  const lab = new NetnsLab();
  afterAll(async () => {
    await lab.cleanup();
  });

  /** The fixture's first line of either type. */
  async function outcome(child: PeerProcess): Promise<Record<string, unknown>> {
    return await Promise.any([child.next('opened', 60_000), child.next('failed', 60_000)]);
  }

  it('waits for the IPv4 sync address, then joins the group on it', async () => {
    const ns = await lab.namespace('v4');
    await lab.ip(ns, 'link', 'add', 'sync0', 'type', 'veth', 'peer', 'name', 'sync0p');
    await lab.ip(ns, 'link', 'set', 'sync0', 'up');
    await lab.ip(ns, 'link', 'set', 'sync0p', 'up');
    const child = lab.peer(ns, { conf: conf('interface = sync0\naddress = 203.0.113.1\nmulticast-group = 239.192.0.1\n'), waitMs: 60_000 }, FIXTURE);
    expect((await child.next('log')).message).toMatch(/sync address is not on this node yet: waiting/);
    await lab.ip(ns, 'addr', 'add', '203.0.113.1/24', 'dev', 'sync0');
    expect(await outcome(child)).toEqual({ type: 'opened' });
  });

  it('waits for the IPv6 sync interface, then binds the link-local group on it', async () => {
    const ns = await lab.namespace('v6');
    const child = lab.peer(ns, { conf: conf('interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff02::4841:4c46\n'), waitMs: 60_000 }, FIXTURE);
    expect((await child.next('log')).message).toMatch(/sync interface is not on this node yet: waiting/);
    await lab.ip(ns, 'link', 'add', 'sync0', 'type', 'veth', 'peer', 'name', 'sync0p');
    await lab.ip(ns, 'link', 'set', 'sync0', 'up');
    expect(await outcome(child)).toEqual({ type: 'opened' });
  });

  // what `half status` and the metrics show (counters.channel.multicastRejoins)
  it('counts the rejoins of a multicast link whose interface is deleted and made again', async () => {
    const ns = await lab.namespace('re');
    const veth = async (): Promise<void> => {
      await lab.ip(ns, 'link', 'add', 'sync0', 'type', 'veth', 'peer', 'name', 'sync0p');
      await lab.ip(ns, 'addr', 'add', '203.0.113.1/24', 'dev', 'sync0');
      await lab.ip(ns, 'link', 'set', 'sync0', 'up');
      await lab.ip(ns, 'link', 'set', 'sync0p', 'up');
    };
    await veth();
    const child = lab.peer(ns, { conf: conf('interface = sync0\naddress = 203.0.113.1\nmulticast-group = 239.192.0.1\n'), waitMs: 0, rejoins: 1 }, FIXTURE);
    expect(await outcome(child)).toEqual({ type: 'opened' });
    await lab.ip(ns, 'link', 'del', 'sync0');
    await veth();
    expect((await child.next('log', 30_000)).message).toMatch(/joined the multicast group on it anew/);
    expect(await child.next('rejoins', 30_000)).toEqual({ type: 'rejoins', count: 1 });
  });

  it('gives up on an interface that never appears with a start error (exit 69) naming the key', async () => {
    const ns = await lab.namespace('none');
    const child = lab.peer(ns, { conf: conf('interface = nosuch0\naddress = 2001:db8::1\nmulticast-group = ff02::4841:4c46\n'), waitMs: 0 }, FIXTURE);
    const failed = await outcome(child);
    expect(failed).toMatchObject({ type: 'failed', name: 'DaemonStartError' });
    expect(failed.message).toMatch(/^\[sync\] interface = nosuch0 is not on this node/);
    expect(failed.hint).toMatch(/set \[sync\] interface in \/etc\/half\/half\.conf/);
  });
});
