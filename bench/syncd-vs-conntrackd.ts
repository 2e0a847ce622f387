// half-syncd against conntrackd (Debian's, FT-FW over UDP), side by side in one run, on the same
// kind of namespace pair: fwa (the primary, where flows appear) and fwb (the standby), joined by
// a veth sync link (203.0.113.1 / .2). Each daemon pair gets fresh namespaces; the runs are
// sequential, so the two never compete for the two cores.
//
//   node --import tsx bench/syncd-vs-conntrackd.ts [--quick]        (as root)
//
// Measured, per daemon:
//  1. replication throughput and CPU: `conntrack -R` inserts N entries on fwa (N = 200k; the
//     same tool and file for both); time from the start of the insert until fwb's external cache
//     holds all N (HALF: `status` on the control socket, conntrackd: `conntrackd -s`, polled
//     every 25 ms); CPU = utime + stime from /proc/PID/stat of each daemon's process tree (HALF's
//     event pump included), before and after; resident memory (VmRSS) of each daemon's main
//     process before and once fwb holds them all. Then the same for deleting them (`conntrack -F`).
//     BULK_RUNS runs per daemon, alternating with the other, on fresh pairs: the medians are
//     reported, with each run's rates (a single run's rate here can be 1.5 times another's) and
//     the sender's event overruns over all runs (`half status`, `conntrackd -s runtime`): a run
//     with one lost events and re-read its table from a dump, and is slower for it. A standby
//     that has not caught up CATCH_UP_MS after the start is reported with the entries it is off
//     by (one of conntrackd's runs here never got all 200k), and the run goes on.
//  2. new-flow-to-peer latency at 10k flows/s: a writer process on fwa creates flows at that
//     rate (creates encoded beforehand; whatever has fallen due is sent in one datagram as soon
//     as the writer wakes, no ACKs asked), noting CLOCK_MONOTONIC per flow; the
//     standby runs in direct mode (HALF mode = direct, conntrackd DisableExternalCache On), so
//     each flow reaches fwb's kernel as it arrives, where an observer process notes the arrival
//     of its NEW event (CLOCK_MONOTONIC too, same machine; its socket in its own process, not
//     behind an event pump: one process fewer competing for the two cores, for both daemons).
//     Latency = arrival - the time the flow was due (start + its index / rate), not the time it
//     was sent: the writer shares the two cores with the daemons, and a flow it sends late
//     because a daemon held the CPU was late all the same (coordinated omission). Both are
//     printed, with how late the writer sent (p99, max). It includes the insert on fwa, both
//     daemons and the insert on fwb; a flow that never arrives counts as infinitely late. The first second of flows is reported apart (its worst latency): both daemons have
//     just started, and the quantiles describe a running daemon. Each daemon runs LATENCY_RUNS
//     times, alternating with the other, on fresh pairs; the medians are reported, with each
//     run's p99 (on a shared two-core machine one run's p99 can be several times another's).
//     CPU per flow: both daemons' process trees over the whole run. The host's steal time during
//     each run is printed beside it (/proc/stat): on a shared host its bursts lengthen both
//     daemons' tails.
//  3. commit time for 10k, 100k and 200k entries, as a failover meets it (commits() says why):
//     a fresh pair per size, fwb holds the entries in its external cache, fwa is SIGKILLed and
//     flushed, fwb's kernel table is flushed, then `half commit` (control socket) /
//     `conntrackd -c` runs; the wall time of the request is reported (with the daemon's own
//     figure and fwb's user/system CPU), and fwb's kernel must then hold all N (`conntrack -C`).
//
// Environment: BENCH_ONLY=bulk,commit,latency (parts), BENCH_DAEMONS=half,conntrackd, BENCH_RATE (flows/s),
// BENCH_SECONDS and BENCH_COLD_SECONDS (the latency part's measured and first, reported-apart seconds; 5 and 1),
// BENCH_INPUT=sctp (the bulk and commit entries as SCTP associations, replicated by both daemons), BENCH_NICE=N (both daemons' threads), BENCH_RT=N and BENCH_CONNTRACKD_OTHER=1 (scheduling policies, see applyScheduling), BENCH_EVENT_READER=pump (half-syncd's events through its event pump), BENCH_SYNC_MTU=N (half-syncd's sync link), BENCH_CT_EVENTS=2 (the kernel's default nf_conntrack_events in half-syncd's pair, instead of HALF's 1), BENCH_STATUS=1 (daemon status after each part), BENCH_JSON=FILE, BENCH_NODE_FLAGS (both
// half-syncd), BENCH_TIMELINE=1, BENCH_STAGES=1, BENCH_SLOW=MS, BENCH_PERF=PREFIX, BENCH_GC_DUMP=PREFIX (see where each is read).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETLINK_NETFILTER } from '../daemon/src/kernel/codec/nfnetlink.js';
import { parseNetlinkTable } from '../daemon/src/kernel/netlink-fd.js';
import { NetlinkKernelEvents } from '../daemon/src/kernel/netlink-kernel-events.js';
import { encodeCreate } from '../daemon/src/kernel/codec/ct-encode.js';
import { AttrWriter } from '../daemon/src/kernel/codec/netlink-attr.js';
import { errorCodeOf, MessageCursor } from '../daemon/src/kernel/codec/netlink-message.js';
import { NetfilterSocket } from '../daemon/src/kernel/netfilter-socket.js';
import { clusterLab, startReplicating } from '../test/daemon/integration/fixtures/cluster-lab.js';
import { ConntrackdNode } from '../test/daemon/integration/fixtures/conntrackd-node.js';
import { bundleSyncd, type SyncdBundle } from '../test/daemon/integration/fixtures/syncd-bundle.js';
import { batchLines, conntrackBatch } from '../test/daemon/integration/fixtures/conntrack-table.js';
import { waitFor } from '../test/daemon/integration/fixtures/syncd-node.js';
import { syntheticEntries } from '../test/daemon/kernel/helpers/synthetic-flows.js';
import { createNamespaces, type NamespaceSet } from '../test/helpers/netns.js';

const QUICK = process.argv.includes('--quick');
const BULK = QUICK ? 50_000 : 200_000;
const COMMIT_SIZES = QUICK ? [10_000, 50_000] : [10_000, 100_000, 200_000];
const RATE = Number(process.env['BENCH_RATE'] ?? 10_000);
/** BENCH_INPUT=sctp: the bulk and commit parts' entries as SCTP associations (state and verification tags). */
const SCTP_INPUT = process.env['BENCH_INPUT'] === 'sctp';

const LATENCY_SECONDS = Number(process.env['BENCH_SECONDS'] ?? (QUICK ? 2 : 5));
/** Latency runs per daemon, alternating between the daemons (a shared machine's noise comes and goes). */
const LATENCY_RUNS = QUICK ? 1 : 3;
/** Bulk runs per daemon, alternating, each on a fresh pair; the medians are reported (one run's rate can be half another's here). */
const BULK_RUNS = QUICK ? 1 : 3;
/** The first second of flows: reported apart (a daemon that just started warms up: JIT, buffers). */
const COLD_SECONDS = Number(process.env['BENCH_COLD_SECONDS'] ?? 1);
const SELF = fileURLToPath(import.meta.url);
const CLK_TCK = 100;

/** What the bench needs of a pair of daemons, whichever they are. */
interface Pair {
  readonly name: string;
  readonly net: NamespaceSet;
  /** Entries fwb holds for fwa (external cache; in direct mode: its kernel). */
  standbyHolds(): Promise<number>;
  /** Commits fwb's external cache; wall ms and the daemon's own figure. */
  commit(): Promise<{ wallMs: number; daemonMs: number | undefined }>;
  pids(): { a: number; b: number };
  /** fwa switched off brutally (SIGKILL), as in a failover; fwb keeps running. */
  powerOffPrimary(): Promise<void>;
  /** Event overruns the sender has had (events lost, healed by re-reading its table). */
  senderOverruns(): Promise<number>;
  /** What the daemons report about themselves (BENCH_STATUS=1 prints it after each part). */
  diagnostics(): Promise<unknown>;
  cleanup(): Promise<void>;
}

/** half-syncd as it ships (bundled JavaScript, no tsx): set in main. */
let bundle: SyncdBundle | undefined;

async function halfPair(direct: boolean): Promise<Pair> {
  const bundled = bundle?.command;
  if (bundled === undefined) throw new Error('half-syncd is not bundled yet');
  // BENCH_NODE_FLAGS="--trace-gc": node flags for both daemons; GC pauses are summed up at cleanup
  const flags = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const command = [bundled[0] as string, ...flags, ...bundled.slice(1)];
  // BENCH_EVENT_READER=pump: the primary's conntrack events through the event pump process ([daemon] event-reader)
  const eventReader = process.env['BENCH_EVENT_READER'] === 'pump' ? { eventReader: 'pump' as const } : {};
  // BENCH_SYNC_MTU=N: the sync link's MTU for half-syncd's pairs (records per datagram grow with it)
  const syncMtu = process.env['BENCH_SYNC_MTU'] === undefined ? {} : { syncMtu: Number(process.env['BENCH_SYNC_MTU']) };
  // BENCH_CT_EVENTS=2: the kernel's default net.netfilter.nf_conntrack_events in both firewalls instead of HALF's 1 (the standby then follows events too)
  const conntrackEvents = process.env['BENCH_CT_EVENTS'] === '2' ? { conntrackEvents: 2 as const } : {};
  const filter = SCTP_INPUT ? { filter: 'protocols = tcp udp sctp' } : {};
  const lab = await clusterLab({ label: direct ? 'benchhd' : 'benchh', a: { command, ...eventReader, ...filter }, b: direct ? { mode: 'direct', command, ...filter } : { command, ...filter }, ...syncMtu, ...conntrackEvents });
  await startReplicating(lab);
  return {
    name: 'half-syncd',
    net: lab.net,
    standbyHolds: async () => (await lab.b.status()).tables.external,
    async commit() {
      const t = performance.now();
      const summary = (await lab.b.request({ cmd: 'commit' })) as { durationMs: number; failed: number };
      const wallMs = performance.now() - t;
      if (summary.failed > 0) throw new Error(`half commit failed ${summary.failed} entries`);
      // BENCH_STATUS=1: the standby's own log line of the commit (requests, retries)
      if (process.env['BENCH_STATUS'] !== undefined) console.error(lab.b.output.split('\n').filter((l) => l.includes('committed')).at(-1));
      return { wallMs, daemonMs: summary.durationMs };
    },
    pids: () => ({ a: lab.a.pid as number, b: lab.b.pid as number }),
    powerOffPrimary: () => powerOff(lab.net, 'fwa', lab.a.pid as number),
    senderOverruns: async () => (await lab.a.status()).summary.overruns,
    diagnostics: async () => ({ a: await lab.a.status(), b: await lab.b.status() }),
    cleanup: () => {
      if (flags.includes('--trace-gc')) for (const [name, node] of [['fwa', lab.a], ['fwb', lab.b]] as const) console.error(`${name} GC pauses: ${gcSummary(node.output)}`);
      // BENCH_GC_DUMP=PREFIX: each daemon's whole output (with --trace-gc-nvp: every collection's figures)
      if (process.env['BENCH_GC_DUMP'] !== undefined) for (const [name, node] of [['fwa', lab.a], ['fwb', lab.b]] as const) writeFileSync(`${process.env['BENCH_GC_DUMP']}-${name}.log`, node.output);
      return lab.cleanup();
    },
  };
}

/** Count, total and longest pause per kind of collection in --trace-gc output. */
function gcSummary(output: string): string {
  const kinds = new Map<string, { count: number; total: number; max: number }>();
  for (const match of output.matchAll(/\] +[\d.]+ ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Sweep)[^,]*?, ([\d.]+) \/ [\d.]+ ms/g)) {
    const kind = match[1] as string;
    const ms = Number(match[2]);
    const k = kinds.get(kind) ?? { count: 0, total: 0, max: 0 };
    kinds.set(kind, { count: k.count + 1, total: k.total + ms, max: Math.max(k.max, ms) });
  }
  return [...kinds].map(([kind, k]) => `${kind} ${k.count}x, ${k.total.toFixed(0)} ms, max ${k.max.toFixed(1)} ms`).join('; ') || 'none';
}

async function conntrackdPair(direct: boolean): Promise<Pair> {
  const net = createNamespaces(direct ? 'benchcd' : 'benchc');
  await net.addNs('fwa');
  await net.addNs('fwb');
  await net.veth('fwa', 'sync0', 'fwb', 'sync0');
  await net.addr('fwa', 'sync0', '203.0.113.1/29');
  await net.addr('fwb', 'sync0', '203.0.113.2/29');
  // the UDP timeouts half-syncd's pair gets (cluster-lab.ts), so no entry expires during a run in
  // one pair and not in the other; nf_conntrack_events stays at the kernel's default (2: on once
  // a listener is there, conntrackd itself), where HALF's pair has the 1 HALF's package sets
  for (const ns of ['fwa', 'fwb']) await net.exec(ns, ['sysctl', '-qw', 'net.netfilter.nf_conntrack_udp_timeout=3600', 'net.netfilter.nf_conntrack_udp_timeout_stream=3600'], { check: true });
  const protocols = SCTP_INPUT ? { protocols: ['TCP', 'UDP', 'SCTP'] } : {};
  const a = await ConntrackdNode.create(net, { ns: 'fwa', local: '203.0.113.1', peer: '203.0.113.2', ...protocols });
  const b = await ConntrackdNode.create(net, { ns: 'fwb', local: '203.0.113.2', peer: '203.0.113.1', direct, ...protocols });
  await Promise.all([a.start(), b.start()]);
  return {
    name: 'conntrackd',
    net,
    standbyHolds: async () => (await b.caches()).external,
    async commit() {
      const t = performance.now();
      await b.ctl(['-c']);
      return { wallMs: performance.now() - t, daemonMs: await b.lastCommitMs() };
    },
    pids: () => ({ a: a.pid as number, b: b.pid as number }),
    powerOffPrimary: () => powerOff(net, 'fwa', a.pid as number),
    // `conntrackd -s runtime`: "netlink overrun: N" (each one answered by a resync with its kernel)
    senderOverruns: async () => Number(/netlink overrun:\s*(\d+)/.exec(await a.ctl(['-s', 'runtime']))?.[1] ?? NaN),
    diagnostics: async () => ({ a: await a.ctl(['-s']), b: await b.ctl(['-s']), aRuntime: await a.ctl(['-s', 'runtime']) }),
    async cleanup() {
      await a.stop();
      await b.stop();
      await net.cleanup();
      await a.remove();
      await b.remove();
    },
  };
}

/** The fields of /proc/PID/stat after the command name (state first: utime is [11], stime [12]). */
function procStat(pid: string): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
}

/** Parent pid and CPU ticks (utime + stime) of every process. */
function processTable(): Map<number, { ppid: number; ticks: number }> {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = procStat(name);
      stats.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  return stats;
}

/** `pid` and its descendants (a daemon and, for half-syncd, its event pump). */
function processTree(table: ReadonlyMap<number, { ppid: number }>, pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, s] of table) if (s.ppid === tree[i]) tree.push(child);
  return tree;
}

/** CPU seconds (user + system) of a process and its live descendants. */
function cpuSeconds(pid: number): number {
  const table = processTable();
  return processTree(table, pid).reduce((ticks, p) => ticks + (table.get(p)?.ticks ?? 0), 0) / CLK_TCK;
}

/** BENCH_NICE=N: every thread of both daemons' process trees at nice N (as a unit's Nice= would). */
function applyNice(pids: readonly number[]): void {
  const nice = process.env['BENCH_NICE'];
  if (nice === undefined) return;
  const table = processTable();
  for (const pid of pids.flatMap((p) => processTree(table, p))) {
    for (const task of readdirSync(`/proc/${pid}/task`)) setPriority(Number(task), Number(nice));
  }
}

/**
 * Scheduling policies for the latency part. conntrackd sets its own: SCHED_RR at priority 99 by
 * default since conntrack-tools 1.4.5 (against netlink overruns), so it preempts everything else
 * here; half-syncd runs under the default SCHED_OTHER. BENCH_RT=N puts half-syncd's threads
 * under SCHED_RR at priority N, BENCH_CONNTRACKD_OTHER=1 puts conntrackd's under SCHED_OTHER.
 */
function applyScheduling(pair: Pair, pids: readonly number[]): void {
  const priority = process.env['BENCH_RT'];
  const policy =
    pair.name === 'half-syncd' && priority !== undefined ? ['--rr', '-p', priority]
    : pair.name === 'conntrackd' && process.env['BENCH_CONNTRACKD_OTHER'] !== undefined ? ['--other', '-p', '0']
    : undefined;
  if (policy === undefined) return;
  const table = processTable();
  for (const pid of pids.flatMap((p) => processTree(table, p))) {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const chrt = spawnSync('chrt', [...policy, task], { encoding: 'utf8' });
      if (chrt.status !== 0) throw new Error(`chrt ${policy.join(' ')} ${task}: ${chrt.stderr}`);
    }
  }
}

async function kernelCount(net: NamespaceSet, ns: string): Promise<number> {
  return Number((await net.exec(ns, ['conntrack', '-C'], { check: true })).stdout.trim());
}

/** UDP datagrams the namespace has received (/proc/net/snmp Udp InDatagrams): on fwb, the sync link's. */
async function udpDatagramsIn(net: NamespaceSet, ns: string): Promise<number> {
  const lines = (await net.exec(ns, ['cat', '/proc/net/snmp'], { check: true })).stdout.split('\n').filter((l) => l.startsWith('Udp:'));
  const names = (lines[0] ?? '').split(/\s+/);
  const values = (lines[1] ?? '').split(/\s+/);
  return Number(values[names.indexOf('InDatagrams')]);
}

interface BulkResult {
  readonly seconds: number;
  readonly perSecond: number;
  /** CPU µs per replicated event: sender, receiver. */
  readonly cpuA: number;
  readonly cpuB: number;
  /** Event overruns of the sender meanwhile (its runs with one are slower: it re-reads its table). */
  readonly overruns: number;
  /**
   * Entries the standby was still off by when CATCH_UP_MS ran out (0: it caught up). A run that
   * never catches up is reported, not fatal: its time and rate are then the deadline's.
   */
  readonly missing: number;
}

/** How long a bulk part may take before its run is reported as never caught up (conntrackd's slow mode needs ~31 s for 200k). */
const CATCH_UP_MS = 120_000;

/** Runs `action`, then polls the standby's count until it reaches `target` (all N, or none) or CATCH_UP_MS runs out. */
async function timedUntil(pair: Pair, action: () => Promise<void>, target: number, events: number): Promise<BulkResult> {
  const { a, b } = pair.pids();
  const overruns0 = await pair.senderOverruns();
  const cpu0 = [cpuSeconds(a), cpuSeconds(b)];
  const t0 = performance.now();
  await action();
  const reached = (n: number) => (target === 0 ? n === 0 : n >= target);
  let held = await pair.standbyHolds();
  while (!reached(held) && performance.now() - t0 < CATCH_UP_MS) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    held = await pair.standbyHolds();
  }
  const seconds = (performance.now() - t0) / 1000;
  if (!reached(held)) console.error(`${pair.name}: the standby holds ${held} entries, not ${target}, ${CATCH_UP_MS / 1000} s after the start`);
  await new Promise((resolve) => setTimeout(resolve, 300)); // acknowledgements, trailing work
  const cpu1 = [cpuSeconds(a), cpuSeconds(b)];
  const us = (i: number) => ((cpu1[i] as number) - (cpu0[i] as number)) / events * 1e6;
  return { seconds, perSecond: events / seconds, cpuA: us(0), cpuB: us(1), overruns: (await pair.senderOverruns()) - overruns0, missing: reached(held) ? 0 : Math.abs(target - held) };
}

/** Resident memory of one process (VmRSS), in bytes. */
function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN) * 1024;
}

/** Resident memory of each daemon (main process) holding the BULK entries, and its growth per entry. */
interface Memory {
  readonly rssA: number;
  readonly rssB: number;
  readonly perEntryA: number;
  readonly perEntryB: number;
}

/**
 * BENCH_PERF=PREFIX: `perf record -g` of each daemon's process over a part of the run (where the
 * CPU goes, kernel included): PREFIX-<daemon>-<part>-fwa.data and -fwb.data. For JIT frames, add
 * BENCH_NODE_FLAGS=--perf-basic-prof.
 */
async function profiled<T>(pair: Pair, part: string, run: () => Promise<T>): Promise<T> {
  const prefix = process.env['BENCH_PERF'];
  if (prefix === undefined) return run();
  const { a, b } = pair.pids();
  const perfs = ([['fwa', a], ['fwb', b]] as const).map(([name, pid]) => spawn('perf', ['record', '-g', '-p', String(pid), '-o', `${prefix}-${pair.name}-${part}-${name}.data`], { stdio: 'ignore' }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  try {
    return await run();
  } finally {
    for (const perf of perfs) perf.kill('SIGINT');
    await Promise.all(perfs.map((perf) => new Promise((resolve) => perf.once('exit', resolve))));
  }
}

async function bulk(pair: Pair): Promise<{ insert: BulkResult; remove: BulkResult; memory: Memory }> {
  const file = benchLines(BULK);
  const { a, b } = pair.pids();
  const before = [rssBytes(a), rssBytes(b)];
  const insert = await profiled(pair, 'insert', () => timedUntil(pair, () => conntrackBatch(pair.net, 'fwa', file), BULK, BULK));
  const after = [rssBytes(a), rssBytes(b)];
  const memory = { rssA: after[0] as number, rssB: after[1] as number, perEntryA: ((after[0] as number) - (before[0] as number)) / BULK, perEntryB: ((after[1] as number) - (before[1] as number)) / BULK };
  const remove = await profiled(pair, 'remove', () => timedUntil(pair, async () => void (await pair.net.exec('fwa', ['conntrack', '-F'], { check: true })), 0, BULK));
  return { insert, remove, memory };
}

/**
 * The entries of the bulk and commit parts: the recorded runs' input (conntrack-table.ts), or
 * with BENCH_INPUT=sctp the same flows as established SCTP associations.
 */
function benchLines(count: number): string {
  const lines = batchLines(count, 0, 'both-directions');
  if (!SCTP_INPUT) return lines;
  return lines.replace(/-p (?:tcp|udp) --sport (\d+) --dport \d+(?: --state ESTABLISHED)?/g, '-p sctp --sport $1 --dport 3868 --state ESTABLISHED --orig-vtag 1 --reply-vtag 2');
}

/**
 * Commit time, measured as a failover meets it: for each size a fresh pair, fwa's table
 * replicated to fwb, then fwa powered off (SIGKILL, its table flushed: the two "machines" share
 * one kernel here, and a live fwa would leave its event listener and its entries in it; the
 * kernel formats an event for every insert in every namespace while any namespace listens),
 * fwb's kernel table flushed, and fwb's commit timed. fwb's own CPU (user, system) is reported
 * beside it: the system part is the kernel's insert work.
 */
async function commits(open: (direct: boolean) => Promise<Pair>): Promise<CommitResult[]> {
  const out: CommitResult[] = [];
  for (const size of COMMIT_SIZES) {
    const pair = await open(false);
    try {
      await conntrackBatch(pair.net, 'fwa', benchLines(size));
      await waitFor(`${pair.name}: ${size} entries on the standby`, async () => (await pair.standbyHolds()) >= size, 300_000);
      await pair.powerOffPrimary();
      await pair.net.exec('fwa', ['conntrack', '-F'], { check: true });
      await pair.net.exec('fwb', ['conntrack', '-F'], { check: true });
      const before = cpuSplit(pair.pids().b);
      const result = await pair.commit();
      const after = cpuSplit(pair.pids().b);
      const held = await kernelCount(pair.net, 'fwb');
      if (held < size) throw new Error(`${pair.name}: after the commit fwb's kernel holds ${held} of ${size}`);
      out.push({ size, ...result, userMs: (after.user - before.user) * 1000, systemMs: (after.system - before.system) * 1000 });
    } finally {
      await pair.cleanup();
    }
  }
  return out;
}

interface CommitResult {
  readonly size: number;
  readonly wallMs: number;
  readonly daemonMs: number | undefined;
  /** fwb's CPU during the commit request (main process). */
  readonly userMs: number;
  readonly systemMs: number;
}

/** User and system CPU seconds of one process. */
function cpuSplit(pid: number): { user: number; system: number } {
  const fields = procStat(String(pid));
  return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };
}

/** SIGKILL, then wait until the process is gone and no socket in `ns` listens to conntrack events. */
async function powerOff(net: NamespaceSet, ns: string, pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(`${ns}: the daemon gone`, () => !alive(pid));
  await waitFor(`${ns}: no conntrack event listener left`, async () => {
    const table = (await net.exec(ns, ['cat', '/proc/net/netlink'], { check: true })).stdout;
    return !parseNetlinkTable(table).some((row) => row.protocol === NETLINK_NETFILTER && row.groups !== 0);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---- latency: a writer on fwa, an observer on fwb, both timing with CLOCK_MONOTONIC ----

const flowKey = (src: string, sport: number | undefined): string => `${src}:${sport ?? 0}`;

const NAP = new Int32Array(new SharedArrayBuffer(4));

/**
 * In fwa: creates RATE flows per second for COLD_SECONDS + LATENCY_SECONDS; writes [key, ns][]
 * as JSON. Every create is encoded before the clock starts and sent without asking for an ACK
 * (the kernel answers failures only), so the creator's own CPU, which competes with the daemons
 * for the two cores, is little more than the kernel's inserts.
 */
async function creator(): Promise<void> {
  const total = RATE * (COLD_SECONDS + LATENCY_SECONDS);
  const entries = syntheticEntries(total, { start: 1_000_000 });
  const keys = entries.map((e) => flowKey(e.orig.src, e.orig.sport));
  const w = new AttrWriter(total * 256);
  const ends = new Uint32Array(total);
  entries.forEach((entry, i) => {
    encodeCreate(w, entry, i + 1, 0, { tcp: { beLiberal: true } });
    ends[i] = w.pos;
  });
  let failed = 0;
  const socket = new NetfilterSocket({}, {
    datagram(buf) {
      for (const c = new MessageCursor(buf); c.next(); ) if ((errorCodeOf(c) ?? 0) !== 0) failed++;
    },
    overrun() {
      failed++;
    },
  });
  const sentAt = new Float64Array(total);
  process.stderr.write('ready\n'); // the clock starts: the bench times the cold second from here
  const start = process.hrtime.bigint();
  let sent = 0;
  while (sent < total) {
    const now = process.hrtime.bigint();
    const due = Math.min(total, Math.floor((Number(now - start) / 1e9) * RATE));
    if (due > sent) {
      sentAt.fill(Number(now - start), sent, due);
      await socket.send(w.buf.subarray(sent === 0 ? 0 : ends[sent - 1], ends[due - 1]));
      sent = due;
    } else {
      // sleep until the next flow is due: a spinning creator would take a core from the daemons
      const next = (Number(start) + ((sent + 1) * 1e9) / RATE - Number(process.hrtime.bigint())) / 1e6;
      if (next > 0) Atomics.wait(NAP, 0, 0, next);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 100)); // answers to the last sends
  socket.close();
  if (failed > 0) throw new Error(`creator: ${failed} flows not created`);
  // [key, sent, due]: flow i falls due once (i + 1) / RATE seconds have gone by (`due` above)
  const dueAt = (i: number): bigint => start + BigInt(Math.round(((i + 1) * 1e9) / RATE));
  writeFileSync(outFile(), JSON.stringify(keys.map((key, i) => [key, (start + BigInt(sentAt[i] as number)).toString(), dueAt(i).toString()])));
}

/**
 * In fwb: notes when each flow's NEW event arrives; writes [key, ns][] as JSON when stdin closes.
 * It reads the source address and port in place (the scanner), without decoding the event, and
 * keeps them in typed arrays: nothing it keeps is a JavaScript object, so its own garbage
 * collector never pauses it long enough to show up in the measured latency.
 */
async function observer(): Promise<void> {
  let keys = new Float64Array(1 << 16);
  let times = new Float64Array(1 << 16);
  let count = 0;
  const events = new NetlinkKernelEvents({ conntrack: ['new'], expectations: false, isolation: 'none' });
  await events.start({
    event() {},
    settled() {},
    conntrackView({ scan }) {
      const { buf, orig } = scan;
      if (orig.dport !== 80 || scan.addrLen !== 4) return;
      if (count === keys.length) {
        keys = grown(keys);
        times = grown(times);
      }
      keys[count] = buf.readUInt32BE(orig.src) * 65536 + orig.sport;
      times[count++] = Number(process.hrtime.bigint());
    },
    overrun() {
      process.stderr.write('observer: overrun\n');
    },
  });
  process.stderr.write('ready\n');
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  events.close();
  const seen: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const key = keys[i] as number;
    const address = Math.floor(key / 65536);
    const src = `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
    seen.push([flowKey(src, key % 65536), BigInt(times[i] as number).toString()]);
  }
  writeFileSync(outFile(), JSON.stringify(seen));
}

/** The same values in an array twice as long. */
function grown(from: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const to = new Float64Array(from.length * 2);
  to.set(from);
  return to;
}

/** Where a role writes its [key, ns][] (--out FILE). */
function outFile(): string {
  const file = process.argv[process.argv.indexOf('--out') + 1];
  if (file === undefined || !process.argv.includes('--out')) throw new Error('a role needs --out FILE');
  return file;
}

/** Runs this file as `name` in `ns`; `done` resolves with what it wrote to its --out file. */
function role(net: NamespaceSet, ns: string, name: string): { done: Promise<string>; ready: Promise<void>; finish(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'h13-bench-'));
  const file = join(dir, 'out.json');
  const args = [process.execPath, '--import', 'tsx', SELF, '--role', name, '--out', file, ...(QUICK ? ['--quick'] : [])];
  const child = spawn('ip', ['netns', 'exec', net.nsName(ns), ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  const ready = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => ((err += d.toString()), err.includes('ready') && resolve())));
  const done = new Promise<string>((resolve, reject) =>
    child.on('exit', (code) => {
      const text = code === 0 ? readFileSync(file, 'utf8') : undefined;
      rmSync(dir, { recursive: true, force: true });
      if (text === undefined) reject(new Error(`${name} exited ${code}: ${err}`));
      else resolve(text);
    }),
  );
  return { done, ready, finish: () => child.stdin.end() };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? NaN;
}

interface Latency {
  readonly flows: number;
  readonly arrived: number;
  /** From when each flow was due (a flow never seen: infinite). */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** From when the writer sent it (what earlier versions of this bench reported). */
  readonly p50Sent: number;
  readonly p99Sent: number;
  /** How late the writer sent flows (ms after they were due). */
  readonly lateP99: number;
  readonly lateMax: number;
  /** The worst of the first COLD_SECONDS (not in the quantiles). */
  readonly coldMax: number;
  /** CPU µs per flow of each daemon's process tree over the whole run (cold second included). */
  readonly cpuA: number;
  readonly cpuB: number;
  /** The same after the cold second (the flows the quantiles describe). */
  readonly steadyCpuA: number;
  readonly steadyCpuB: number;
  /** Flows per datagram fwb received over the run (the sync traffic, heartbeats included). */
  readonly flowsPerDatagram: number;
  /** Host steal (s) while the flows were made (stealSeconds). */
  readonly steal: number;
}

async function latency(pair: Pair): Promise<Latency> {
  const watch = role(pair.net, 'fwb', 'observer');
  watch.done.catch(() => undefined); // awaited below; an early failure must not end the run unreported
  // BENCH_STAGES=1: a second observer on fwa splits the latency into fwa's insert and the daemons' part
  const source = process.env['BENCH_STAGES'] === undefined ? undefined : role(pair.net, 'fwa', 'observer');
  source?.done.catch(() => undefined);
  await Promise.all([watch.ready, source?.ready]);
  const { a, b } = pair.pids();
  applyNice([a, b]);
  applyScheduling(pair, [a, b]);
  const cpu0 = [cpuSeconds(a), cpuSeconds(b)];
  const datagrams0 = await udpDatagramsIn(pair.net, 'fwb');
  const steal0 = stealSeconds();
  // CPU is read again once the cold second is over: the steady figure leaves out what the
  // quantiles leave out (start-up: for half-syncd, V8 compiling its hot paths on other threads)
  let cpuCold: number[] | undefined;
  const made = JSON.parse(
    await profiled(pair, 'latency', async () => {
      const creator = role(pair.net, 'fwa', 'creator');
      void creator.ready.then(() => setTimeout(() => (cpuCold = [cpuSeconds(a), cpuSeconds(b)]), COLD_SECONDS * 1000));
      return creator.done;
    }),
  ) as [string, string, string][];
  await waitFor(`${pair.name}: every flow on fwb`, async () => (await kernelCount(pair.net, 'fwb')) >= made.length, 30_000).catch(() => undefined);
  const cpu1 = [cpuSeconds(a), cpuSeconds(b)];
  const datagrams = (await udpDatagramsIn(pair.net, 'fwb')) - datagrams0;
  const us = (i: number): number => (((cpu1[i] as number) - (cpu0[i] as number)) / made.length) * 1e6;
  const steadyUs = (i: number): number => (cpuCold === undefined ? NaN : (((cpu1[i] as number) - (cpuCold[i] as number)) / (made.length - RATE * COLD_SECONDS)) * 1e6);
  await new Promise((resolve) => setTimeout(resolve, 200));
  watch.finish();
  source?.finish();
  const arrivals = new Map(JSON.parse(await watch.done) as [string, string][]);
  const onA = source === undefined ? undefined : new Map(JSON.parse(await source.done) as [string, string][]);
  if (onA !== undefined) reportStages(pair.name, made.slice(RATE * COLD_SECONDS), onA, arrivals);
  // BENCH_SLOW=MS: each flow slower than MS, as creation time:latency (with BENCH_STAGES, creation
  // time:to fwa's event+to fwb's): a stall shows as a run of flows that all arrive at once
  const slowMs = Number(process.env['BENCH_SLOW'] ?? Number.NaN);
  if (!Number.isNaN(slowMs)) console.error(`${pair.name} flows slower than ${slowMs} ms:`, slowFlows(made.slice(RATE * COLD_SECONDS), slowMs, BigInt(made[0]?.[1] ?? '0'), arrivals, onA).join(' '));
  const ms: number[] = [];
  const msSent: number[] = [];
  const late: number[] = [];
  let arrivedSteady = 0;
  let coldMax = 0;
  const timeline = new Map<number, number>();
  const first = BigInt(made[0]?.[2] ?? '0');
  const since = (from: string, to: string): number => Number(BigInt(to) - BigInt(from)) / 1e6;
  made.forEach(([key, sent, due], index) => {
    const arrived = arrivals.get(key);
    const latencyMs = arrived === undefined ? Number.POSITIVE_INFINITY : since(due, arrived);
    if (index < RATE * COLD_SECONDS) coldMax = Math.max(coldMax, latencyMs);
    else {
      ms.push(latencyMs);
      msSent.push(arrived === undefined ? Number.POSITIVE_INFINITY : since(sent, arrived));
      late.push(since(due, sent));
      if (arrived !== undefined) arrivedSteady++;
    }
    const slot = Math.floor(Number(BigInt(due) - first) / 250e6);
    timeline.set(slot, Math.max(timeline.get(slot) ?? 0, latencyMs));
  });
  msSent.sort((x, y) => x - y);
  late.sort((x, y) => x - y);
  // BENCH_TIMELINE=1: the worst latency per 250 ms of the run (is a spike a start-up cost, or periodic?)
  if (process.env['BENCH_TIMELINE'] !== undefined) console.error(`${pair.name} worst latency per 250 ms:`, [...timeline.values()].map((v) => v.toFixed(1)).join(' '));
  ms.sort((x, y) => x - y);
  if (process.env['BENCH_TIMELINE'] !== undefined) console.error(`${pair.name} quantiles p50..p99.9:`, [0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999].map((q) => quantile(ms, q).toFixed(2)).join(' '));
  return { flows: made.length - RATE * COLD_SECONDS, arrived: arrivedSteady, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), max: ms[ms.length - 1] ?? NaN, p50Sent: quantile(msSent, 0.5), p99Sent: quantile(msSent, 0.99), lateP99: quantile(late, 0.99), lateMax: late[late.length - 1] ?? NaN, coldMax, cpuA: us(0), cpuB: us(1), steadyCpuA: steadyUs(0), steadyCpuB: steadyUs(1), flowsPerDatagram: made.length / datagrams, steal: stealSeconds() - steal0 };
}

/** BENCH_SLOW: `t:latency` (ms since the first flow; with the stages `t:insert+daemons`) of each flow slower than `ms`. */
function slowFlows(made: readonly (readonly [string, string, ...string[]])[], ms: number, first: bigint, onB: ReadonlyMap<string, string>, onA: ReadonlyMap<string, string> | undefined): string[] {
  const since = (from: string, to: string): number => Number(BigInt(to) - BigInt(from)) / 1e6;
  const rows: string[] = [];
  for (const [key, at] of made) {
    const b = onB.get(key);
    if (b === undefined || since(at, b) <= ms) continue;
    const a = onA?.get(key);
    const t = (Number(BigInt(at) - first) / 1e6).toFixed(1);
    rows.push(a === undefined ? `${t}:${since(at, b).toFixed(2)}` : `${t}:${since(at, a).toFixed(2)}+${since(a, b).toFixed(2)}`);
  }
  return rows;
}

/** p50/p99/max of creation -> fwa's event and fwa's event -> fwb's event (BENCH_STAGES=1). */
function reportStages(name: string, made: readonly (readonly [string, string, ...string[]])[], onA: ReadonlyMap<string, string>, onB: ReadonlyMap<string, string>): void {
  const insert: number[] = [];
  const daemons: number[] = [];
  for (const [key, at] of made) {
    const a = onA.get(key);
    const b = onB.get(key);
    if (a === undefined || b === undefined) continue;
    insert.push(Number(BigInt(a) - BigInt(at)) / 1e6);
    daemons.push(Number(BigInt(b) - BigInt(a)) / 1e6);
  }
  const line = (ms: number[]): string => {
    ms.sort((x, y) => x - y);
    return `p50 ${fmt(quantile(ms, 0.5), 2)} p90 ${fmt(quantile(ms, 0.9), 2)} p99 ${fmt(quantile(ms, 0.99), 2)} max ${fmt(ms[ms.length - 1], 1)} ms`;
  };
  console.error(`${name} stages over ${insert.length} flows: creation -> fwa event ${line(insert)}; fwa event -> fwb event ${line(daemons)}`);
}

// ---- the run ----

const fmt = (n: number | undefined, digits = 1): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));

async function measure(kind: 'half' | 'conntrackd'): Promise<Record<string, unknown>> {
  const open = kind === 'half' ? halfPair : conntrackdPair;
  // BENCH_ONLY=bulk,commit,latency: the parts to run (default all)
  const parts = (process.env['BENCH_ONLY'] ?? 'bulk,commit,latency').split(',');
  const result: Record<string, unknown> = {};
  if (parts.includes('commit')) result['commits'] = await commits(open);
  return result;
}

/** BENCH_STATUS=1: a pair's daemon status after a part. */
async function showStatus(pair: Pair, part: string): Promise<void> {
  if (process.env['BENCH_STATUS'] !== undefined) console.error(`${pair.name} after ${part}:`, JSON.stringify(await pair.diagnostics(), null, 1));
}

/**
 * `rounds` runs of `part` per daemon, alternating between the daemons, each on a fresh pair
 * (direct mode or not); each daemon's runs summarized.
 */
async function alternating<R, S>(daemons: readonly string[], rounds: number, name: string, direct: boolean, part: (pair: Pair) => Promise<R>, summary: (runs: readonly R[]) => S): Promise<{ half?: S; conntrackd?: S }> {
  const runs: Record<string, R[]> = { half: [], conntrackd: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['half', 'conntrackd'] as const) {
      if (!daemons.includes(kind)) continue;
      const pair = await (kind === 'half' ? halfPair : conntrackdPair)(direct);
      try {
        runs[kind]?.push(await part(pair));
        await showStatus(pair, name);
      } finally {
        await pair.cleanup();
      }
    }
  }
  const out: { half?: S; conntrackd?: S } = {};
  for (const kind of ['half', 'conntrackd'] as const) if ((runs[kind] ?? []).length > 0) out[kind] = summary(runs[kind] as R[]);
  return out;
}

type BulkRun = { readonly insert: BulkResult; readonly remove: BulkResult; readonly memory: Memory };

/** Each field the median of the runs (so a median rate and a median CPU may come from different runs), and each run. */
interface BulkSummary extends BulkRun {
  readonly runs: readonly BulkRun[];
}

function summarizeBulk(runs: readonly BulkRun[]): BulkSummary {
  const median = (pick: (r: BulkRun) => number): number => quantile(runs.map(pick).sort((x, y) => x - y), 0.5);
  const part = (of: (r: BulkRun) => BulkResult): BulkResult => ({
    seconds: median((r) => of(r).seconds),
    perSecond: median((r) => of(r).perSecond),
    cpuA: median((r) => of(r).cpuA),
    cpuB: median((r) => of(r).cpuB),
    overruns: runs.reduce((sum, r) => sum + of(r).overruns, 0),
    missing: runs.reduce((sum, r) => sum + of(r).missing, 0),
  });
  return {
    runs,
    insert: part((r) => r.insert),
    remove: part((r) => r.remove),
    memory: {
      rssA: median((r) => r.memory.rssA),
      rssB: median((r) => r.memory.rssB),
      perEntryA: median((r) => r.memory.perEntryA),
      perEntryB: median((r) => r.memory.perEntryB),
    },
  };
}

/** The runs' medians (p50, p99, CPU), the worst of all (max, coldMax), totals (flows, arrived), and each run. */
interface LatencySummary extends Latency {
  readonly runs: readonly Latency[];
}

function summarize(runs: readonly Latency[]): LatencySummary {
  const median = (pick: (l: Latency) => number): number => quantile([...runs].map(pick).sort((x, y) => x - y), 0.5);
  return {
    runs,
    p50: median((l) => l.p50),
    p99: median((l) => l.p99),
    max: Math.max(...runs.map((l) => l.max)),
    p50Sent: median((l) => l.p50Sent),
    p99Sent: median((l) => l.p99Sent),
    lateP99: median((l) => l.lateP99),
    lateMax: Math.max(...runs.map((l) => l.lateMax)),
    coldMax: Math.max(...runs.map((l) => l.coldMax)),
    cpuA: median((l) => l.cpuA),
    cpuB: median((l) => l.cpuB),
    steadyCpuA: median((l) => l.steadyCpuA),
    steadyCpuB: median((l) => l.steadyCpuB),
    flowsPerDatagram: median((l) => l.flowsPerDatagram),
    steal: runs.reduce((n, l) => n + l.steal, 0),
    flows: runs.reduce((n, l) => n + l.flows, 0),
    arrived: runs.reduce((n, l) => n + l.arrived, 0),
  };
}

/**
 * CPU time the hypervisor gave other guests while this machine's vCPUs wanted to run (the
 * `steal` column of /proc/stat, in USER_HZ = 100 ticks per second): on a shared host, the bursts
 * of it lengthen both daemons' latency tails and commits alike.
 */
function stealSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/) ?? [];
  return Number(fields[8] ?? NaN) / 100;
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const steal0 = stealSeconds();
  bundle = await bundleSyncd('bench');
  let results: { half: Record<string, unknown>; conntrackd: Record<string, unknown> };
  try {
    const daemons = (process.env['BENCH_DAEMONS'] ?? 'half,conntrackd').split(',');
    results = {
      half: daemons.includes('half') ? await measure('half') : {},
      conntrackd: daemons.includes('conntrackd') ? await measure('conntrackd') : {},
    };
    if ((process.env['BENCH_ONLY'] ?? 'bulk').split(',').includes('bulk')) {
      const bulks = await alternating(daemons, BULK_RUNS, 'bulk', false, bulk, summarizeBulk);
      if (bulks.half !== undefined) results.half['bulk'] = bulks.half;
      if (bulks.conntrackd !== undefined) results.conntrackd['bulk'] = bulks.conntrackd;
    }
    if ((process.env['BENCH_ONLY'] ?? 'latency').split(',').includes('latency')) {
      const latencies = await alternating(daemons, LATENCY_RUNS, 'latency', true, latency, summarize);
      if (latencies.half !== undefined) results.half['latency'] = latencies.half;
      if (latencies.conntrackd !== undefined) results.conntrackd['latency'] = latencies.conntrackd;
    }
  } finally {
    await bundle.remove();
  }
  const steal = stealSeconds() - steal0;
  type R = { bulk: BulkSummary; commits: CommitResult[]; latency: LatencySummary };
  const h = results.half as unknown as R;
  const c = results.conntrackd as unknown as R;
  if (process.env['BENCH_JSON'] !== undefined) writeFileSync(process.env['BENCH_JSON'], JSON.stringify({ started, load, steal, results }, null, 2));
  if (process.env['BENCH_ONLY'] !== undefined || h.bulk === undefined || c.bulk === undefined) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  const lines = [
    `half-syncd vs conntrackd ${started} (load ${load} at start; host steal ${fmt(steal, 1)} s over the run; ${BULK} entries bulk, ${RATE} flows/s for ${LATENCY_SECONDS} s)`,
    '',
    `replication (conntrack -R on fwa until fwb holds all; median of ${BULK_RUNS} runs)`,
    '                                                        half-syncd          conntrackd',
    `  insert: events/s                                      ${fmt(h.bulk.insert.perSecond, 0).padStart(10)}          ${fmt(c.bulk.insert.perSecond, 0).padStart(10)}`,
    `  insert: CPU us/event sender + receiver               ${fmt(h.bulk.insert.cpuA)} + ${fmt(h.bulk.insert.cpuB)}`.padEnd(76) + `${fmt(c.bulk.insert.cpuA)} + ${fmt(c.bulk.insert.cpuB)}`,
    `  insert: CPU s per 10k events (sender)                 ${fmt(h.bulk.insert.cpuA / 100, 3).padStart(10)}          ${fmt(c.bulk.insert.cpuA / 100, 3).padStart(10)}`,
    `  insert: events/s of each run                  ${h.bulk.runs.map((r) => fmt(r.insert.perSecond / 1000, 1) + 'k').join(' ').padStart(18)}   ${c.bulk.runs.map((r) => fmt(r.insert.perSecond / 1000, 1) + 'k').join(' ').padStart(18)}`,
    `  insert: sender event overruns (all runs)              ${String(h.bulk.insert.overruns).padStart(10)}          ${String(c.bulk.insert.overruns).padStart(10)}`,
    `  insert: entries the standby never got (all runs)      ${String(h.bulk.insert.missing).padStart(10)}          ${String(c.bulk.insert.missing).padStart(10)}`,
    `  delete: events/s                                      ${fmt(h.bulk.remove.perSecond, 0).padStart(10)}          ${fmt(c.bulk.remove.perSecond, 0).padStart(10)}`,
    `  delete: events/s of each run                  ${h.bulk.runs.map((r) => fmt(r.remove.perSecond / 1000, 1) + 'k').join(' ').padStart(18)}   ${c.bulk.runs.map((r) => fmt(r.remove.perSecond / 1000, 1) + 'k').join(' ').padStart(18)}`,
    `  delete: sender event overruns (all runs)              ${String(h.bulk.remove.overruns).padStart(10)}          ${String(c.bulk.remove.overruns).padStart(10)}`,
    `  delete: entries the standby kept (all runs)           ${String(h.bulk.remove.missing).padStart(10)}          ${String(c.bulk.remove.missing).padStart(10)}`,
    `  delete: CPU us/event sender + receiver               ${fmt(h.bulk.remove.cpuA)} + ${fmt(h.bulk.remove.cpuB)}`.padEnd(76) + `${fmt(c.bulk.remove.cpuA)} + ${fmt(c.bulk.remove.cpuB)}`,
    `  holding ${BULK}: RSS MB sender / receiver             ${fmt(h.bulk.memory.rssA / 2 ** 20, 0)} / ${fmt(h.bulk.memory.rssB / 2 ** 20, 0)}`.padEnd(76) + `${fmt(c.bulk.memory.rssA / 2 ** 20, 0)} / ${fmt(c.bulk.memory.rssB / 2 ** 20, 0)}`,
    `  the same, growth in bytes per entry                 ${fmt(h.bulk.memory.perEntryA, 0)} / ${fmt(h.bulk.memory.perEntryB, 0)}`.padEnd(76) + `${fmt(c.bulk.memory.perEntryA, 0)} / ${fmt(c.bulk.memory.perEntryB, 0)}`,
    '',
    `new flow -> peer kernel at ${RATE}/s (direct mode, after ${COLD_SECONDS} s; median of ${LATENCY_RUNS} runs)`,
    `                                                        half-syncd          conntrackd`,
    `  arrived / created                                    ${`${h.latency.arrived}/${h.latency.flows}`.padStart(11)}         ${`${c.latency.arrived}/${c.latency.flows}`.padStart(11)}`,
    `  p50 / p99 / max ms, from when each was due  ${`${fmt(h.latency.p50, 2)} / ${fmt(h.latency.p99, 2)} / ${fmt(h.latency.max, 1)}`.padStart(20)}   ${`${fmt(c.latency.p50, 2)} / ${fmt(c.latency.p99, 2)} / ${fmt(c.latency.max, 1)}`.padStart(20)}`,
    `  p50 of each run                             ${h.latency.runs.map((l) => fmt(l.p50, 2)).join(' ').padStart(20)}   ${c.latency.runs.map((l) => fmt(l.p50, 2)).join(' ').padStart(20)}`,
    `  p99 of each run                             ${h.latency.runs.map((l) => fmt(l.p99, 2)).join(' ').padStart(20)}   ${c.latency.runs.map((l) => fmt(l.p99, 2)).join(' ').padStart(20)}`,
    `  p50 / p99 ms, from when each was sent       ${`${fmt(h.latency.p50Sent, 2)} / ${fmt(h.latency.p99Sent, 2)}`.padStart(20)}   ${`${fmt(c.latency.p50Sent, 2)} / ${fmt(c.latency.p99Sent, 2)}`.padStart(20)}`,
    `  the writer sent late by, ms p99 / max       ${`${fmt(h.latency.lateP99, 2)} / ${fmt(h.latency.lateMax, 1)}`.padStart(20)}   ${`${fmt(c.latency.lateP99, 2)} / ${fmt(c.latency.lateMax, 1)}`.padStart(20)}`,
    `  host steal during each run, s               ${h.latency.runs.map((l) => fmt(l.steal, 2)).join(' ').padStart(20)}   ${c.latency.runs.map((l) => fmt(l.steal, 2)).join(' ').padStart(20)}`,
    `  first ${COLD_SECONDS} s after the daemons started: max ms          ${fmt(h.latency.coldMax, 1).padStart(10)}          ${fmt(c.latency.coldMax, 1).padStart(10)}`,
    `  CPU us/flow sender + receiver (whole run)            ${fmt(h.latency.cpuA)} + ${fmt(h.latency.cpuB)}`.padEnd(76) + `${fmt(c.latency.cpuA)} + ${fmt(c.latency.cpuB)}`,
    `  the same after the first ${COLD_SECONDS} s                        ${fmt(h.latency.steadyCpuA)} + ${fmt(h.latency.steadyCpuB)}`.padEnd(76) + `${fmt(c.latency.steadyCpuA)} + ${fmt(c.latency.steadyCpuB)}`,
    `  flows per sync datagram fwb received                 ${fmt(h.latency.flowsPerDatagram, 2)}`.padEnd(76) + fmt(c.latency.flowsPerDatagram, 2),
    '',
    'commit to the kernel after fwa\'s power-off               half-syncd                 conntrackd',
    '  (wall ms, daemon\'s own figure; fwb CPU ms user/system)',
    ...COMMIT_SIZES.map((size, i) => {
      const cell = (r: CommitResult | undefined): string => `${fmt(r?.wallMs, 0)} (${fmt(r?.daemonMs, 0)}) ${fmt(r?.userMs, 0)}/${fmt(r?.systemMs, 0)}`;
      const hc = h.commits[i];
      const cc = c.commits[i];
      return `  ${String(size).padStart(7)} entries  x${fmt(cc !== undefined && hc !== undefined ? cc.wallMs / hc.wallMs : undefined, 2)}`.padEnd(40) + `${cell(hc).padStart(24)}   ${cell(cc).padStart(24)}`;
    }),
  ];
  console.log(lines.join('\n'));
}

const roleIndex = process.argv.indexOf('--role');
if (roleIndex >= 0) {
  await (process.argv[roleIndex + 1] === 'creator' ? creator() : observer());
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
