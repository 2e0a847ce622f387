// Two real half-syncd in network namespaces under trouble: a restarted standby resyncs (with a new
// boot epoch; its failback gate file is 1 from its stop until the resync has ended), 10 % loss on the sync link, both ways, still ends in exactly the
// primary's table, replayed / tampered / reflected / stranger datagrams sent on the real link are
// dropped and counted (by the daemon, or by HALF's nftables table before it), and kernel events
// lost to an overrun of the event socket (new entries, and a flush's deletes) are healed by a
// resync from a dump, counted and logged.
import { readFileSync, readdirSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLab, guardIsOn, halfCounter, OWN_ADDRESSES, STRANGER, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, deleteLines, listFlows, replicable } from './fixtures/conntrack-table.js';
import { commitOnStandbyAndCompare } from './fixtures/pair-steps.js';
import { captureFrames, sendDatagram } from './fixtures/frames.js';
import { waitFor } from './fixtures/syncd-node.js';
import { run } from '../../helpers/tools.js';
import { readTrackFile } from '../../../daemon/src/runtime/track-file.js';
import { NETLINK_NETFILTER } from '../../../daemon/src/kernel/codec/nfnetlink.js';
import { parseNetlinkTable } from '../../../daemon/src/kernel/netlink-fd.js';
import type { DaemonStatus } from '../../../daemon/src/control/status-model.js';

const keep = replicable(OWN_ADDRESSES);
const PORT = 3781;

/**
 * 10 % random loss of sync datagrams as they arrive on sync0. This kernel has no sch_netem (tc
 * netem), so nftables does it: numgen random at the netdev ingress hook, before anything else
 * sees the packet (dropping on output instead would fail the sender's sendmsg with EPERM).
 */
const LOSS_RULESET = `table netdev half_test_loss {
\tchain in {
\t\ttype filter hook ingress device "sync0" priority filter; policy accept;
\t\tudp dport ${PORT} numgen random mod 100 < 10 counter name "lost" drop
\t}
\tcounter lost {
\t}
}
`;

/** Pids of the processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('half-syncd under restarts, loss, attacks and lost events', () => {
  let lab: ClusterLab;

  beforeAll(async () => {
    lab = await clusterLab({ label: 'syncres' });
    await Promise.all([lab.a.start(), lab.b.start()]);
    await lab.a.notify('MASTER', 'half_lan0', 150);
    await lab.b.notify('BACKUP');
    await conntrackBatch(lab.net, 'fwa', batchLines(1000, 0));
  });
  afterAll(() => lab?.cleanup());

  /** Waits until fwa replicates what its kernel holds and fwb holds all of it; returns the count. */
  async function converged(timeoutMs = 60_000): Promise<number> {
    const count = (await listFlows(lab.net, 'fwa')).filter(keep).length;
    await waitFor(`fwb holding fwa's ${count} entries`, async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return a.node.role === 'sender' && a.tables.internal === count && a.stream.resendQueue === 0 && !a.stream.resyncInProgress && b.tables.external === count;
    }, timeoutMs);
    return count;
  }

  const commitAndCompare = async (): Promise<void> => void (await commitOnStandbyAndCompare(lab, keep));

  it('a restarted standby loads its nftables table again on SIGHUP, stops cleanly on SIGTERM, comes back with a new boot epoch and resyncs', async () => {
    expect(await converged()).toBe(1000);
    // the failback gate: the sender serves its own table, the standby holds it
    await waitFor('both resync files at 0', () => readTrackFile(lab.a.resyncFile) === '0' && readTrackFile(lab.b.resyncFile) === '0', 10_000);
    const before = await lab.b.status();
    // an nftables reload (flush ruleset) took HALF's table, and the standby's guard with it
    expect(await guardIsOn(lab.net, 'fwb')).toBe(true);
    await lab.net.exec('fwb', ['nft', 'delete', 'table', 'inet', 'half'], { check: true });
    lab.b.child?.kill('SIGHUP');
    await waitFor('table inet half loaded again', () => /table inet half was gone \(an nftables reload or flush\?\): loaded it again reason=SIGHUP guard=on/.test(lab.b.output), 10_000);
    expect(await guardIsOn(lab.net, 'fwb')).toBe(true);
    expect((await lab.b.status()).counters.kernel['nftTableReloads']).toBe(1);
    expect((await lab.b.status()).daemon.pid).toBe(before.daemon.pid);
    expect(await lab.b.stop()).toBe(0);
    expect(existsSync(lab.b.socket)).toBe(false);
    expect(existsSync(lab.b.fifo)).toBe(false);
    expect(lab.b.output).toMatch(/half-syncd stopped/);
    expect(readTrackFile(lab.b.resyncFile)).toBe('1'); // its copy of the table died with it
    expect(readTrackFile(lab.a.resyncFile)).toBe('0');
    await conntrackBatch(lab.net, 'fwa', batchLines(200, 1000));
    // this time keepalived (here: the test) made the FIFO first: the daemon must leave it at exit
    await run('mkfifo', ['-m', '0600', lab.b.fifo], { check: true });
    await lab.b.start();
    const after = await lab.b.status();
    expect(after.node.bootEpoch).toBeGreaterThan(before.node.bootEpoch);
    expect(await converged()).toBe(1200);
    await waitFor('the restarted standby\'s resync file at 0', () => readTrackFile(lab.b.resyncFile) === '0', 10_000);
    // the daemon logs right after it writes the file; the line reaches this process through a pipe, a turn later
    await waitFor('the resync-done line', () => /resync done: keepalived may give this node its virtual addresses/.test(lab.b.output), 5_000);
    await commitAndCompare();
    const a = await lab.a.status();
    expect(a.peers.find((p) => p.nodeId === 2)?.epoch).toBe(after.node.bootEpoch);
  });

  it('a restarted MASTER (it holds its virtual addresses) leaves the standby\'s copy whole while it starts', async () => {
    const count = await converged();
    // fwa holds the cluster's virtual address, as a MASTER does: its daemon takes it for MASTER at start
    await lab.net.exec('fwa', ['ip', 'addr', 'add', '192.0.2.254/32', 'dev', 'sync0'], { check: true });
    let lowest = Number.POSITIVE_INFINITY;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const b = await lab.b.status().catch(() => undefined);
        if (b !== undefined) lowest = Math.min(lowest, b.tables.external);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      expect(await lab.a.stop()).toBe(0);
      await lab.a.start();
      expect(await converged()).toBe(count);
      expect(lab.a.output).toMatch(/this node holds its virtual addresses: taking it for MASTER/);
    } finally {
      watching = false;
      await watch;
      await lab.net.exec('fwa', ['ip', 'addr', 'del', '192.0.2.254/32', 'dev', 'sync0']);
    }
    // never swept by an empty resync from the restarted node before it was the sender again
    expect(lowest).toBe(count);
  });

  it('converges to exactly the primary\'s table with 10 % loss on the sync link', async () => {
    for (const ns of ['fwa', 'fwb']) await lab.net.exec(ns, ['nft', '-f', '-'], { input: LOSS_RULESET, check: true });
    try {
      const [a0, b0] = await Promise.all([lab.a.status(), lab.b.status()]);
      await conntrackBatch(lab.net, 'fwa', batchLines(3000, 1200));
      await conntrackBatch(lab.net, 'fwa', deleteLines(1000, 0, 2));
      expect(await converged()).toBe(1200 + 3000 - 500);
      await commitAndCompare();
      const [a1, b1] = await Promise.all([lab.a.status(), lab.b.status()]);
      expect(b1.summary.nacksSent - b0.summary.nacksSent).toBeGreaterThan(0);
      expect(a1.summary.resends - a0.summary.resends).toBeGreaterThan(0);
      for (const ns of ['fwa', 'fwb']) {
        const lost = await lab.net.exec(ns, ['nft', '-j', 'list', 'counter', 'netdev', 'half_test_loss', 'lost'], { check: true });
        expect(lost.stdout).toMatch(/"packets": [1-9]/);
      }
    } finally {
      for (const ns of ['fwa', 'fwb']) await lab.net.exec(ns, ['nft', 'delete', 'table', 'netdev', 'half_test_loss']);
    }
  });

  it('drops and counts replayed, tampered, reflected and stranger datagrams', async () => {
    const frames = await captureFrames(lab.net, 'fwb', 'sync0', `udp and src host 203.0.113.1 and dst port ${PORT}`, 2);
    const frame = frames[0];
    expect(frame?.subarray(0, 2).toString()).toBe('HS');
    if (frame === undefined) return;
    const [a0, b0] = await Promise.all([lab.a.status(), lab.b.status()]);
    const foreign0 = await halfCounter(lab.net, 'fwb', 'sync_foreign_dropped');

    await sendDatagram(lab.net, 'fwa', frame, '203.0.113.1', '203.0.113.2', PORT);
    const tampered = Buffer.from(frame);
    tampered[40] = (tampered[40] ?? 0) ^ 0x01;
    await sendDatagram(lab.net, 'fwa', tampered, '203.0.113.1', '203.0.113.2', PORT);
    await sendDatagram(lab.net, 'fwb', frame, '203.0.113.2', '203.0.113.1', PORT);
    await sendDatagram(lab.net, 'fwa', Buffer.from(frame), STRANGER, '203.0.113.2', PORT);

    await waitFor('the drops counted', async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return b.counters.drops['replay'] === (b0.counters.drops['replay'] ?? 0) + 1 &&
        b.counters.drops['forged'] === (b0.counters.drops['forged'] ?? 0) + 1 &&
        a.counters.drops['ownNodeId'] === (a0.counters.drops['ownNodeId'] ?? 0) + 1;
    }, 10_000);
    expect(await halfCounter(lab.net, 'fwb', 'sync_foreign_dropped')).toBe(foreign0 + 1);
    const b1 = await lab.b.status();
    expect(b1.counters.drops['wrongSource']).toBe(b0.counters.drops['wrongSource']);
    expect(b1.tables.external).toBe(b0.tables.external);
    await waitFor('the drops logged', () => /sync frames dropped.*forged=1/.test(lab.b.output) && /sync frames dropped.*replay=1/.test(lab.b.output), 20_000);
    // fwa's own frame reflected to it looks like a second node with its id: said as an error, with the fix
    await waitFor('the reflection logged', () => /another node has the same \[node\] id.*give every node its own \[node\] id/.test(lab.a.output), 20_000);
  });

  /**
   * Runs `change` on fwa's kernel while fwa's daemon is stopped (SIGSTOP), far more events than its
   * event socket's receive buffer holds; returns fwa's status from before, once the overrun was
   * reported and a resync from a dump done.
   */
  async function lostEvents(change: () => Promise<unknown>): Promise<DaemonStatus> {
    const pid = lab.a.pid;
    if (pid === undefined) throw new Error('fwa has no daemon');
    const before = await lab.a.status();
    process.kill(pid, 'SIGSTOP');
    try {
      await change();
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor('the overrun reported and a resync from a dump done', async () => {
      const now = await lab.a.status();
      return now.summary.overruns > before.summary.overruns && (now.counters.kernel['tableResyncResyncs'] ?? 0) > (before.counters.kernel['tableResyncResyncs'] ?? 0);
    }, 30_000);
    return before;
  }

  it('heals kernel events lost to an overrun with a resync from a dump, and counts and logs it', async () => {
    const pid = lab.a.pid;
    if (pid === undefined) throw new Error('fwa has no daemon');
    // the daemon reads its event socket itself (no event pump process)
    expect(lab.a.output).toMatch(/conntrack events read by=daemon/);
    expect(childrenOf(pid).filter((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('event-pump-main'))).toEqual([]);
    const before = await lostEvents(() => conntrackBatch(lab.net, 'fwa', batchLines(40_000, 10_000)));
    expect(await converged(120_000)).toBe(before.tables.internal + 40_000);
    // the warning carries the kernel's own count of the events it dropped (one ENOBUFS stands for many)
    expect(lab.a.output).toMatch(/kernel events were lost \(event socket overrun\): re-reading the table overruns=\d+ dropped=[1-9]\d*/);
    expect(lab.a.output).toMatch(/own table resynced from the kernel reason=overrun/);
    await commitAndCompare();
  });

  it('heals deletes lost to an overrun: what the dump lacks is deleted, and the deletes replicated', async () => {
    expect((await lab.a.status()).tables.internal).toBeGreaterThan(40_000);
    // a flush: one DESTROY event per entry
    await lostEvents(() => lab.net.exec('fwa', ['conntrack', '-F'], { check: true }));
    expect(await converged(60_000)).toBeLessThan(100);
    expect(lab.a.output).toMatch(/own table resynced from the kernel reason=overrun .*removed=\d{4,}/);
    await commitAndCompare();
  });

  /** Drops the kernel counted for fwa's conntrack event listeners (/proc/net/netlink). */
  async function eventSocketDrops(): Promise<number> {
    const table = parseNetlinkTable((await lab.net.exec('fwa', ['cat', '/proc/net/netlink'], { check: true })).stdout);
    return table.filter((row) => row.protocol === NETLINK_NETFILTER && row.groups !== 0).reduce((sum, row) => sum + row.drops, 0);
  }

  it('heals an overrun while the kernel goes on making entries: no entry is lost to the drops that follow it silently', async () => {
    // After an overrun the kernel drops every further event for the socket, unreported, until a
    // read empties its queue: a dump begun at the ENOBUFS missed entries made meanwhile (seen:
    // 9,916 of 200k). Here the sender stops early in a 60k insert until the kernel has dropped
    // 2,000 events for it (or the insert is done), and the insert goes on after it resumes.
    // (Sizes stay small: nf_conntrack_max is one limit for every namespace of the machine.)
    const pid = lab.a.pid;
    if (pid === undefined) throw new Error('fwa has no daemon');
    const base = await converged();
    const before = await lab.a.status();
    const drops0 = await eventSocketDrops();
    const kernel0 = Number((await lab.net.exec('fwa', ['conntrack', '-C'], { check: true })).stdout.trim());
    const insert = conntrackBatch(lab.net, 'fwa', batchLines(60_000, 300_000));
    await waitFor('the insert under way', async () => Number((await lab.net.exec('fwa', ['conntrack', '-C'], { check: true })).stdout.trim()) > kernel0 + 5000, 60_000);
    let inserted = false;
    void insert.then(() => (inserted = true), () => undefined);
    process.kill(pid, 'SIGSTOP');
    try {
      const until = Date.now() + 10_000;
      while (!inserted && (await eventSocketDrops()) - drops0 < 2000 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await insert;
    expect(await converged(120_000)).toBe(base + 60_000);
    const after = await lab.a.status();
    expect(after.summary.overruns).toBeGreaterThan(before.summary.overruns);
    // the kernel dropped more events than it answered ENOBUFS for: the silent drops happened
    const drops = await eventSocketDrops();
    expect(drops - drops0).toBeGreaterThan(after.summary.overruns - before.summary.overruns);
    // and `half status` says how many (fwa's only event listener is the daemon's socket)
    expect(after.counters.kernel['droppedByKernel']).toBe(drops);
    await lab.net.exec('fwa', ['conntrack', '-F'], { check: true });
    expect(await converged()).toBe(0);
  });

  it('leaves a notify FIFO it did not create when it stops', async () => {
    expect(await lab.b.stop()).toBe(0);
    expect((await stat(lab.b.fifo)).isFIFO()).toBe(true);
    expect(existsSync(lab.b.socket)).toBe(false);
  });
});
