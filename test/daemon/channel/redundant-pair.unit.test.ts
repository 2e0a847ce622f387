// The redundant pair's failover logic on simulated links (one SimulatedNetwork per link, one
// FakeClock): two SyncNodes replicate over link 0; when one node's link 0 is cut, both move to
// link 1 (one on its send error, the other when link 0 falls silent) and replication continues.
import { describe, expect, it } from 'vitest';
import { ExternalCaches } from '../../../daemon/src/cache/external-caches.js';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import { RedundantPair } from '../../../daemon/src/channel/redundant-pair.js';
import { SimulatedNetwork } from '../../../daemon/src/channel/simulated-network.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { SyncNode } from '../../../daemon/src/sync/sync-node.js';
import { FrameKeys } from '../../../daemon/src/wire/keys.js';
import { CLUSTER_ID, CLUSTER_KEY, ChangeStream, identical } from '../sync/sim-cluster.js';

const ADDRESSES = [
  ['203.0.113.1', '198.51.100.1'],
  ['203.0.113.2', '198.51.100.2'],
] as const;

describe('RedundantPair (simulated links)', () => {
  it('fails over to the second link when the first is cut, on both nodes', () => {
    const clock = new FakeClock();
    const links = [new SimulatedNetwork(clock, { seed: 1, minDelayMs: 0.5, maxDelayMs: 1 }), new SimulatedNetwork(clock, { seed: 2, minDelayMs: 0.5, maxDelayMs: 1 })];
    const keys = new FrameKeys(CLUSTER_KEY, CLUSTER_ID);
    const changes = new ChangeStream(3, 3000);
    const accept = new Set<string>(ADDRESSES.flat());
    const switched: string[][] = [[], []];
    const nodes = ADDRESSES.map((own, i) => {
      const pair = new RedundantPair({
        clock,
        links: [links[0]!.attach(own[0]), links[1]!.attach(own[1])],
        peerAddresses: [[...ADDRESSES[1 - i]!]],
        deadAfterMs: 400,
        onSwitch: (to, reason) => switched[i]!.push(`${to}: ${reason}`),
      });
      const internal = new FlowCache();
      if (i === 0) for (const record of changes.initial(2000)) internal.set(record, 1, 0);
      const external = new ExternalCaches();
      const node = new SyncNode({ clock, channel: pair, keys, nodeId: i + 1, bootEpoch: 1, role: i === 0 ? 'sender' : 'receiver', acceptSource: (a) => accept.has(a), internal, external });
      node.start();
      return { pair, node, internal, external };
    });
    const [sender, receiver] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const synced = (): boolean => identical(sender.internal, receiver.external.peek(1));
    expect(clock.advanceUntil(synced, 5000, 10)).toBeDefined();
    clock.advance(2000);
    expect([sender.pair.active, receiver.pair.active, sender.pair.switches, receiver.pair.switches]).toEqual([0, 0, 0, 0]);

    links[0]!.setUp(ADDRESSES[0][0], false);
    for (let i = 0; i < 500; i++) sender.node.localChange(changes.next());
    sender.node.flush();
    expect(clock.advanceUntil(synced, 5000, 10)).toBeDefined();
    clock.advance(1000);
    expect(sender.pair.active).toBe(1);
    expect(receiver.pair.active).toBe(1);
    expect(sender.pair.links()[0].sendErrors).toBeGreaterThan(0);
    expect(receiver.pair.links()[0].silentForMs).toBeGreaterThan(400);
    expect(receiver.pair.links()[1].silentForMs).toBeLessThan(400);
    expect(sender.node.counters.sendErrors).toBeGreaterThan(0);
    // each node said why: the sender's send failed, the receiver heard nothing on link 0
    expect(switched[0]).toEqual(['1: a send on it failed: ENETDOWN']);
    expect(switched[1]).toHaveLength(1);
    expect(switched[1]![0]).toMatch(/^1: no authentic frame on it for \d+ ms$/);
  });

  it('stays on its link when the peer falls silent on both (a reboot is not a link failure)', () => {
    const clock = new FakeClock();
    const links = [new SimulatedNetwork(clock, { seed: 1, minDelayMs: 0.5, maxDelayMs: 0.5 }), new SimulatedNetwork(clock, { seed: 2, minDelayMs: 0.51, maxDelayMs: 0.51 })];
    const switched: string[] = [];
    const pair = new RedundantPair({ clock, links: [links[0]!.attach('203.0.113.1'), links[1]!.attach('198.51.100.1')], deadAfterMs: 400, onSwitch: (to, reason) => switched.push(`${to}: ${reason}`) });
    pair.onMessage(() => true);
    // the peer's heartbeats, link 1's a moment after link 0's (the order they are sent in)
    const peer = [links[0]!.attach('203.0.113.2'), links[1]!.attach('198.51.100.2')];
    const beat = (): void => {
      peer[0]!.send(Uint8Array.of(1), '203.0.113.1');
      peer[1]!.send(Uint8Array.of(1), '198.51.100.1');
    };
    for (let t = 0; t < 2000; t += 250) {
      beat();
      clock.advance(250);
    }
    clock.advance(3000); // the peer is gone, on both links
    expect(switched).toEqual([]);
    expect(pair.active).toBe(0);
    void pair.close();
  });

  /** Nodes on two simulated links, node 1 the sender of `initial` entries; each knows the others' address pairs. */
  function cluster(addresses: readonly (readonly [string, string])[], initial: number) {
    const clock = new FakeClock();
    const links = [new SimulatedNetwork(clock, { seed: 5, minDelayMs: 0.5, maxDelayMs: 1 }), new SimulatedNetwork(clock, { seed: 6, minDelayMs: 0.5, maxDelayMs: 1 })] as const;
    const keys = new FrameKeys(CLUSTER_KEY, CLUSTER_ID);
    const changes = new ChangeStream(7, 3000);
    const accept = new Set<string>(addresses.flat());
    const nodes = addresses.map((own, i) => {
      const switched: string[] = [];
      const pair = new RedundantPair({
        clock,
        links: [links[0].attach(own[0]), links[1].attach(own[1])],
        peerAddresses: addresses.filter((_, j) => j !== i).map((a) => [...a] as [string, string]),
        deadAfterMs: 400,
        onSwitch: (to, reason) => switched.push(`${to}: ${reason}`),
      });
      const internal = new FlowCache();
      if (i === 0) for (const record of changes.initial(initial)) internal.set(record, 1, 0);
      const external = new ExternalCaches();
      const node = new SyncNode({ clock, channel: pair, keys, nodeId: i + 1, bootEpoch: 1, role: i === 0 ? 'sender' : 'receiver', acceptSource: (a) => accept.has(a), internal, external });
      node.start();
      return { pair, node, internal, external, switched };
    });
    const sender = nodes[0]!;
    const synced = (): boolean => nodes.slice(1).every((n) => identical(sender.internal, n.external.peek(1)));
    const more = (count: number): void => {
      for (let i = 0; i < count; i++) sender.node.localChange(changes.next());
      sender.node.flush();
    };
    return { clock, links, nodes, sender, synced, more };
  }

  it('moves when its frames on the active link no longer reach the peer (a one-way failure), told by the peer\'s heartbeats there', () => {
    const c = cluster([['203.0.113.1', '198.51.100.1'], ['203.0.113.2', '198.51.100.2']], 1000);
    expect(c.clock.advanceUntil(c.synced, 5000, 10)).toBeDefined();
    // the sender still hears the receiver on link 0; only its own frames there are lost
    c.links[0].block('203.0.113.1', '203.0.113.2');
    c.more(500);
    expect(c.clock.advanceUntil(c.synced, 10_000, 10)).toBeDefined();
    c.clock.advance(1000);
    expect(c.nodes.map((n) => n.pair.active)).toEqual([1, 1]);
    expect(c.nodes[1]!.switched).toEqual([expect.stringMatching(/^1: no authentic frame on it for \d+ ms$/)]);
    expect(c.sender.switched).toEqual(['1: peer 203.0.113.2 hears nothing from this node on it']);
  });

  it('moves when one of two peers is no longer heard on the active link while a third still is', () => {
    const c = cluster([['203.0.113.1', '198.51.100.1'], ['203.0.113.2', '198.51.100.2'], ['203.0.113.3', '198.51.100.3']], 1000);
    expect(c.clock.advanceUntil(c.synced, 5000, 10)).toBeDefined();
    c.links[0].setUp('203.0.113.2', false); // node 2's link 0 is down; node 3 still talks on it
    c.more(500);
    expect(c.clock.advanceUntil(c.synced, 10_000, 10)).toBeDefined();
    c.clock.advance(1000);
    expect(c.sender.pair.active).toBe(1);
    expect(c.sender.switched).toEqual([expect.stringMatching(/^1: (no authentic frame from peer 203\.0\.113\.2 on it|peer 203\.0\.113\.2 hears nothing)/)]);
    expect(c.nodes[1]!.pair.active).toBe(1);
  });

  it('stays on link 0 while every peer hears it there and is heard there', () => {
    const c = cluster([['203.0.113.1', '198.51.100.1'], ['203.0.113.2', '198.51.100.2'], ['203.0.113.3', '198.51.100.3']], 500);
    expect(c.clock.advanceUntil(c.synced, 5000, 10)).toBeDefined();
    c.more(200);
    c.clock.advance(5000);
    expect(c.synced()).toBe(true);
    expect(c.nodes.map((n) => [n.pair.active, n.pair.switches])).toEqual([[0, 0], [0, 0], [0, 0]]);
  });

  it('reaches a peer that is on link 0 only, whichever link is active', () => {
    const clock = new FakeClock();
    const links = [new SimulatedNetwork(clock, { seed: 8, minDelayMs: 0.5, maxDelayMs: 1 }), new SimulatedNetwork(clock, { seed: 9, minDelayMs: 0.5, maxDelayMs: 1 })] as const;
    const keys = new FrameKeys(CLUSTER_KEY, CLUSTER_ID);
    const changes = new ChangeStream(10, 3000);
    const accept = new Set(['203.0.113.1', '198.51.100.1', '203.0.113.2', '198.51.100.2', '203.0.113.3']);
    const switched: string[] = [];
    // the sender and node 2 on both links; node 3 only on link 0 ([sync2] lists fewer peers)
    const pairs: [string, string][] = [['203.0.113.2', '198.51.100.2'], ['203.0.113.3', '203.0.113.3']];
    const channels = [
      new RedundantPair({ clock, links: [links[0].attach('203.0.113.1'), links[1].attach('198.51.100.1')], peerAddresses: pairs, deadAfterMs: 400, onSwitch: (to, reason) => switched.push(`${to}: ${reason}`) }),
      new RedundantPair({ clock, links: [links[0].attach('203.0.113.2'), links[1].attach('198.51.100.2')], peerAddresses: [['203.0.113.1', '198.51.100.1']], deadAfterMs: 400 }),
      links[0].attach('203.0.113.3'),
    ];
    const nodes = channels.map((channel, i) => {
      const internal = new FlowCache();
      if (i === 0) for (const record of changes.initial(500)) internal.set(record, 1, 0);
      const external = new ExternalCaches();
      const node = new SyncNode({ clock, channel, keys, nodeId: i + 1, bootEpoch: 1, role: i === 0 ? 'sender' : 'receiver', acceptSource: (a) => accept.has(a), internal, external });
      node.start();
      return { node, internal, external };
    });
    const synced = (): boolean => nodes.slice(1).every((n) => identical(nodes[0]!.internal, n.external.peek(1)));
    expect(clock.advanceUntil(synced, 5000, 10)).toBeDefined();
    // one failed send on link 0 (ENOBUFS in a burst, say) moves the sender to link 1 for good
    links[0].setUp('203.0.113.1', false);
    for (let i = 0; i < 200; i++) nodes[0]!.node.localChange(changes.next());
    nodes[0]!.node.flush();
    links[0].setUp('203.0.113.1', true);
    for (let i = 0; i < 200; i++) nodes[0]!.node.localChange(changes.next());
    nodes[0]!.node.flush();
    expect(clock.advanceUntil(synced, 10_000, 10)).toBeDefined();
    expect((channels[0] as RedundantPair).active).toBe(1);
    expect(switched[0]).toMatch(/^1: a send on it failed/);
  });
});
