// `half status` for people: golden text of the sample status, and the facts an admin looks for
// on the page: the role, each peer's state and lag, table sizes, drops by reason.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../daemon/src/cli/render-status.js';
import { formatBytes, formatCount, formatDuration, formatMs, textTable } from '../../../daemon/src/cli/text-table.js';
import { COMMIT_BOUNDS_MS, emptySnapshot, LAG_BOUNDS_MS } from '../../../daemon/src/metrics/latency-histogram.js';
import { emptySyncCounters } from '../../../daemon/src/sync/counters.js';
import { sampleParts, sampleStatus } from '../control/fixtures/sample-status.js';
import { expectGolden } from '../metrics/fixtures/golden.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

describe('renderStatus', () => {
  it('renders the sample status byte for byte', () => {
    expectGolden(GOLDEN, 'status.txt', renderStatus(sampleStatus()));
  });

  it('shows who we are, each peer, the tables and the drops', () => {
    const text = renderStatus(sampleStatus());
    expect(text).toContain('node 1 (epoch 1700000000): keepalived MASTER, sync role sender');
    expect(text).toMatch(/^ {2}2 +203\.0\.113\.2 +up +180 ms ago +receiver .* 4294967280 +10 +17$/m);
    expect(text).toMatch(/^ {2}3 +203\.0\.113\.3 +down +12\.5 s ago +- .*not joined +- +- +0$/m);
    expect(text).toContain('tables: internal 1,234, external 17, kernel 1,300');
    expect(text).toContain('drops: forged 2, replay 1 (3 in all)');
    expect(text).toMatch(/commits: 1, last 1,234 entries in 45\.5 ms \(1,197 created, 3 replaced, 30 updated, 4 failed\)/);
  });

  it('says who reads the kernel events, why when it is a fallback, and what went wrong last', () => {
    const events = sampleParts().kernelEvents;
    // the kernel's own count of the events it dropped for the socket (one overrun stands for many)
    expect(renderStatus(sampleStatus())).toContain('kernel events: read by daemon, receive buffer 64.0 MiB, 40,796 dropped by the kernel\n');
    // the event pump cannot tell (its socket is in another process)
    const { droppedByKernel: _unknown, ...pumped } = events!;
    const pump = renderStatus(sampleStatus({ kernelEvents: { ...pumped, reader: 'pump', fallback: "this Node has no 'udp_wrap' binding; using the event pump", lastError: 'netlink message 3 bytes past the end' } }));
    expect(pump).toContain("kernel events: read by pump, receive buffer 64.0 MiB; this Node has no 'udp_wrap' binding; using the event pump; last error: netlink message 3 bytes past the end");
    // a standby follows none: what read them while it was the sender is kept
    const standby = renderStatus(sampleStatus({ kernelEvents: { ...events!, subscribed: false } }));
    expect(standby).toContain('kernel events: not followed (last read by daemon)\n');
    const fresh = renderStatus(sampleStatus({ kernelEvents: { ...events!, subscribed: false, reader: undefined } }));
    expect(fresh).toContain('kernel events: not followed\n');
  });

  it('shows two sync links: which one is active, when each was last heard, send errors, switches', () => {
    const text = renderStatus(sampleStatus({ syncLinks: { switches: 1, links: [{ interface: 'sync0', active: false, silentForMs: 12_500, sendErrors: 3 }, { interface: 'sync1', active: true, silentForMs: 180, sendErrors: 0 }] } }));
    expect(text).toContain('sync links: sync0 (last heard 12.5 s ago, 3 send errors), sync1 (active, last heard 180 ms ago); 1 switch\n');
    expect(renderStatus(sampleStatus())).not.toContain('sync links');
  });

  it('says how often a multicast sync link joined its group anew, with one link and with two, and nothing while it never did', () => {
    expect(renderStatus(sampleStatus({ channel: { multicastRejoins: 1 } }))).toContain('sync link: multicast group joined anew 1 time (sync interface made again)\n');
    const links = { switches: 0, links: [{ interface: 'sync0', active: true, silentForMs: 100, sendErrors: 0 }, { interface: 'sync1', active: false, silentForMs: 100, sendErrors: 0 }] };
    expect(renderStatus(sampleStatus({ syncLinks: links, channel: { multicastRejoins: 3 } }))).toContain('; 0 switches; multicast group joined anew 3 times (sync interface made again)\n');
    expect(renderStatus(sampleStatus())).not.toContain('joined anew');
  });

  it('says plainly when nothing happened yet', () => {
    const counters = emptySyncCounters();
    const text = renderStatus(sampleStatus({
      sync: { ...sampleParts().sync, peers: [], counters },
      kernelEntries: null,
      commits: { count: 0, last: null, durationMs: emptySnapshot(COMMIT_BOUNDS_MS) },
      replicationLag: emptySnapshot(LAG_BOUNDS_MS),
    }));
    expect(text).toContain('peers: none heard yet');
    expect(text).toContain('kernel unknown');
    expect(text).toContain('commits: none yet');
    expect(text).toContain('replication lag: no samples recently');
    expect(text).toContain('drops: none');
  });
});

describe('text helpers', () => {
  it('format durations, latencies and counts', () => {
    expect([0, 59, 75, 7380, 273_600].map(formatDuration)).toEqual(['0s', '59s', '1m 15s', '2h 03m', '3d 04h']);
    expect([0.0123, 3.456, 45.5, 180, 1234, 12_500, null].map(formatMs)).toEqual(['0.012 ms', '3.46 ms', '45.5 ms', '180 ms', '1.23 s', '12.5 s', '-']);
    expect([0, 999, 1000, 1_234_567, null].map(formatCount)).toEqual(['0', '999', '1,000', '1,234,567', '-']);
    expect([212_992, 8_388_608, 67_108_864].map(formatBytes)).toEqual(['208 KiB', '8.0 MiB', '64.0 MiB']);
  });

  it('pads table columns to the widest cell', () => {
    expect(textTable([['A', 'BB', 'C'], ['long', 'x', 'y']], '> ')).toEqual(['> A     BB  C', '> long  x   y']);
  });
});
