// Sync datagrams sized by the sync link's MTU (runtime/sync-link.ts linkMtu, read from sysfs):
// two real half-syncd on a sync link of MTU 1280, then 9000. On the wire (tcpdump on fwb's
// sync0) no datagram is fragmented or larger than the link takes, and a stream of new entries
// fills them up to it: above 1000 bytes at 1280, above 1500 at 9000. The standby holds the whole
// table either way.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requireTool } from '../../helpers/tools.js';
import { clusterLab, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch } from './fixtures/conntrack-table.js';
import { standbyHolds, startPrimaryAndStandby } from './fixtures/pair-steps.js';
import { waitFor } from './fixtures/syncd-node.js';

const ENTRIES = 2000;

interface Packet {
  /** IPv4 total length. */
  readonly length: number;
  readonly fragment: boolean;
}

/** The IPv4 packets of an Ethernet pcap file: total length, and whether it is a fragment. */
function ipv4Packets(pcap: Buffer): Packet[] {
  const out: Packet[] = [];
  for (let at = 24; at + 16 <= pcap.length; ) {
    const length = pcap.readUInt32LE(at + 8);
    const packet = pcap.subarray(at + 16, at + 16 + length);
    at += 16 + length;
    if (packet.readUInt16BE(12) !== 0x0800) continue;
    const flags = packet.readUInt16BE(14 + 6);
    out.push({ length: packet.readUInt16BE(14 + 2), fragment: (flags & 0x2000) !== 0 || (flags & 0x1fff) !== 0 });
  }
  return out;
}

describe('sync datagrams and the link MTU', () => {
  let lab: ClusterLab | undefined;
  afterEach(async () => {
    await lab?.cleanup();
    lab = undefined;
  });

  it.each([1280, 9000])('fill but never exceed an MTU of %i', async (mtu) => {
    requireTool('tcpdump');
    lab = await clusterLab({ label: `mtu${mtu}`, syncMtu: mtu });
    await startPrimaryAndStandby(lab);
    const dir = await mkdtemp(join(tmpdir(), 'h13-mtu-'));
    try {
      const file = join(dir, 'sync.pcap');
      // every IPv4 packet from fwa on the sync link, fragments included (no port in the filter)
      const tcpdump = lab.net.spawn('fwb', ['tcpdump', '-i', 'sync0', '-n', '--immediate-mode', '-U', '-w', file, 'ip and src host 203.0.113.1']);
      await waitFor('tcpdump listening', async () => (await stat(file).catch(() => undefined)) !== undefined, 10_000);
      await conntrackBatch(lab.net, 'fwa', batchLines(ENTRIES, 0));
      await standbyHolds(lab, ENTRIES);
      tcpdump.kill('SIGINT'); // by its pid (ip netns exec runs tcpdump in its own process)
      await tcpdump;
      const packets = ipv4Packets(await readFile(file));
      expect(packets.length).toBeGreaterThan(10);
      expect(packets.filter((p) => p.fragment)).toEqual([]);
      const largest = Math.max(...packets.map((p) => p.length));
      expect(largest).toBeLessThanOrEqual(mtu);
      expect(largest).toBeGreaterThan(mtu === 1280 ? 1000 : 1500);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
