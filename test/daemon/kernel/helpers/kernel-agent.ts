// Runs inside a test's network namespace (`ip netns exec NS node --import tsx kernel-agent.ts`)
// and drives the real kernel layer on request: one JSON request per stdin line, one JSON answer
// per stdout line. Conntrack state is per namespace and a process cannot enter one from Node,
// so tests talk to the kernel through this agent and check with the conntrack tool.
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RecordChange, Table } from '../../../../daemon/src/model/record.js';
import { buildFlowFilter, type FlowFilterConfig } from '../../../../daemon/src/kernel/flow-filter.js';
import type { ApplyReport, ConntrackEventView, KernelEvent, KernelOp } from '../../../../daemon/src/kernel/kernel-roles.js';
import { NetlinkKernelDumper } from '../../../../daemon/src/kernel/netlink-kernel-dumper.js';
import { NetlinkKernelEvents, type KernelEventsOptions } from '../../../../daemon/src/kernel/netlink-kernel-events.js';
import { NetlinkKernelWriter } from '../../../../daemon/src/kernel/netlink-kernel-writer.js';
import { NETLINK_NETFILTER } from '../../../../daemon/src/kernel/codec/nfnetlink.js';
import { netlinkSocketFd } from '../../../../daemon/src/kernel/netlink-fd.js';
import { expectationToRecord, toRecord } from '../../../../daemon/src/kernel/record-mapping.js';
import { silentLogger } from '../../../../daemon/src/metrics/logger.js';
import { MasterZones } from '../../../../daemon/src/runtime/master-zones.js';
import { StalePurge } from '../../../../daemon/src/runtime/stale-purge.js';
import { systemClock } from '../../../../daemon/src/sync/clock.js';
import { ownNetfilterSockets } from './own-sockets.js';
import { syntheticEntries } from './synthetic-flows.js';
import { fromWire, toWire, type WireRecord } from './wire-record.js';

export type { WireRecord } from './wire-record.js';

const dumper = new NetlinkKernelDumper();
const writer = new NetlinkKernelWriter();
let events: NetlinkKernelEvents | undefined;
let keep = 1000;
const received: KernelEvent[] = [];
const counts: Record<string, number> = {};
let overruns = 0;
/** Calls of the sink's `settled`, and how many events it had been given at the last one. */
const settled = { calls: 0, events: 0 };
/** The kernel's drop count of this process's event sockets when each overrun was reported, read here and as the overrun reported it. */
const dropsAtOverruns: number[] = [];
const reportedDrops: (number | null)[] = [];

/** Events the kernel dropped for the event sockets of this process (groups joined), reported or not. */
function eventSocketDrops(): number {
  return ownNetfilterSockets().filter((row) => row.groups !== 0).reduce((sum, row) => sum + row.drops, 0);
}

function filterOf(config: FlowFilterConfig | undefined) {
  return config === undefined ? undefined : buildFlowFilter(config);
}

const handlers: Record<string, (req: any) => Promise<unknown> | unknown> = {
  port: () => writer.port,
  dump: async (req) => {
    const filter = filterOf(req.filter);
    const options = { ...(req.family === undefined ? {} : { family: req.family }), ...(filter === undefined ? {} : { filter }) };
    return req.table === 'expectation' ? dumper.dumpExpectations(options) : dumper.dumpConntrack(options);
  },
  /** dumpConntrackRecords: the records, and the dump's counts. */
  dumpRecords: async (req) => {
    const filter = filterOf(req.filter);
    const dump = await dumper.dumpConntrackRecords(filter === undefined ? {} : { filter });
    return { ...dump, entries: dump.entries.map(toWire) };
  },
  countLabelled: async (req) => {
    const filter = filterOf(req.filter);
    return { labelled: await dumper.countLabelled(filter === undefined ? {} : { filter }) };
  },
  apply: (req) => writer.apply(req.ops as KernelOp[]),
  /** A stale purge (stale-purge.ts) through this agent's dumper and writer: its summary, and the results of its expectations' deletes. */
  purge: async (req) => {
    const expectationResults: ApplyReport['results'][number][] = [];
    const watched = Object.create(writer) as NetlinkKernelWriter;
    watched.apply = async (ops) => {
      const report = await writer.apply(ops);
      report.results.forEach((r, i) => {
        if (ops[i]?.op === 'delete-expectation') expectationResults.push(r);
      });
      return report;
    };
    const bulk = { quietly: <T>(_reason: string, work: () => Promise<T>) => work() };
    const purge = new StalePurge(dumper, watched, bulk, buildFlowFilter(req.filter ?? {}), new MasterZones(), systemClock, silentLogger);
    return { summary: await purge.purge(), expectationResults };
  },
  /**
   * apply with a writer of its own, made with `options` (KernelWriterOptions) and told
   * `labelsHeld` if given; with its exchange counts. `closedAfter`: ops applied first, then the writer is closed, a file opened (it gets
   * the socket's descriptor number, as a daemon's next file could), and `ops` applied; answers
   * whether the number was the socket's and the bytes that reached the file.
   */
  applyWith: async (req) => {
    const own = new NetlinkKernelWriter(req.options);
    if (req.labelsHeld !== undefined) own.labelsHeld(req.labelsHeld);
    if (req.closedAfter !== undefined) {
      await own.apply(req.closedAfter as KernelOp[]);
      const socketFd = netlinkSocketFd(NETLINK_NETFILTER, own.port);
      own.close();
      const dir = mkdtempSync(join(tmpdir(), 'h5w-agent-'));
      const fd = openSync(join(dir, 'next-file'), 'w+');
      try {
        const report = await own.apply(req.ops as KernelOp[]);
        return { report, exchanges: own.exchanges, reused: fd === socketFd, strayBytes: fstatSync(fd).size };
      } finally {
        closeSync(fd);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    try {
      const report = await own.apply(req.ops as KernelOp[]);
      return { report, exchanges: own.exchanges };
    } finally {
      own.close();
    }
  },
  /** A writer of its own through `steps`, each ops to apply or word of labels (held, in use); the reports of the applies. */
  applySteps: async (req) => {
    const own = new NetlinkKernelWriter();
    try {
      const reports: ApplyReport[] = [];
      for (const step of req.steps as ({ ops: KernelOp[] } | { labelsHeld: boolean } | { labelsInUse: true })[]) {
        if ('ops' in step) reports.push(await own.apply(step.ops));
        else if ('labelsHeld' in step) own.labelsHeld(step.labelsHeld);
        else own.labelsInUse();
      }
      return { reports };
    } finally {
      own.close();
    }
  },
  exchanges: () => writer.exchanges,
  get: async (req) => (await dumper.getConntrack(req.key)) ?? null,
  flush: (req) => writer.flush(req.table),
  burst: async (req) => {
    const ops: KernelOp[] = syntheticEntries(req.count, req.options ?? {}).map((entry) => ({ op: 'set', entry }));
    const report = await writer.apply(ops);
    return { ...report, results: report.results.filter((r) => !r.ok).slice(0, 10) };
  },
  records: async () => {
    const ct = await dumper.dumpConntrack();
    const exp = await dumper.dumpExpectations();
    return [...ct.entries.map(toRecord), ...exp.entries.map(expectationToRecord)].map(toWire);
  },
  applyRecords: async (req) => {
    const changes: RecordChange[] = (req.changes as { op: 'set' | 'delete'; record: WireRecord }[]).map((c) =>
      c.op === 'set'
        ? { op: 'set', record: fromWire(c.record) }
        : { op: 'delete', table: c.record.table as Table, key: Buffer.from(c.record.key, 'base64') },
    );
    const report = await writer.applyRecords(changes);
    return { report, undecodable: report.undecodable };
  },
  commitRecords: async (req) => {
    const report = await writer.commitRecords((req.records as WireRecord[]).map(fromWire), { createOnly: req.createOnly === true });
    return { report, undecodable: report.undecodable };
  },
  subscribe: async (req) => {
    keep = req.keep ?? 1000;
    events = new NetlinkKernelEvents({ ...(req.options as KernelEventsOptions), ...(req.filter === undefined ? {} : { filter: buildFlowFilter(req.filter) }) });
    // sinkDelayUs: a slow consumer (each event holds the thread this long)
    const delayMs = (req.sinkDelayUs ?? 0) / 1000;
    await events.start({
      event(e) {
        if (delayMs > 0) for (const until = performance.now() + delayMs; performance.now() < until; );
        const name = `${e.table}:${e.type}`;
        counts[name] = (counts[name] ?? 0) + 1;
        if (received.length < keep) received.push(e);
      },
      // fastPath: the scanner's way (the daemon's feed takes it), counted as `view:TYPE`
      ...(req.fastPath === true
        ? {
            conntrackView(view: ConntrackEventView) {
              const name = `view:${view.type}`;
              counts[name] = (counts[name] ?? 0) + 1;
            },
          }
        : {}),
      settled() {
        settled.calls++;
        settled.events = Object.values(counts).reduce((sum, n) => sum + n, 0);
      },
      overrun(info) {
        overruns++;
        reportedDrops.push(info.droppedByKernel ?? null);
        dropsAtOverruns.push(eventSocketDrops());
      },
    });
    return events.stats();
  },
  unsubscribe: () => {
    events?.close();
    events = undefined;
    return null;
  },
  /**
   * Blocks this thread (the one that reads the event socket), as a busy or stopped daemon would,
   * until the kernel has dropped `drops` events for it or `maxMs` have passed; answers the drops.
   */
  stall: (req) => {
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    const until = performance.now() + (req.maxMs as number);
    while (eventSocketDrops() < (req.drops as number) && performance.now() < until) Atomics.wait(sleeper, 0, 0, 5);
    return eventSocketDrops();
  },
  /** The kernel's drop count now, and when each overrun was reported (sockets of this process only: not the pump's). */
  eventDrops: () => ({ now: eventSocketDrops(), atOverruns: [...dropsAtOverruns], reported: [...reportedDrops] }),
  /** NETLINK_NETFILTER sockets this process holds (all its threads). */
  netfilterSockets: () => ownNetfilterSockets().length,
  /** The agent's main thread (the one that reads the event socket) at nice `value`. */
  nice: (req) => {
    setPriority(0, req.value as number);
    return null;
  },
  events: (req) => {
    if (req.keep !== undefined) keep = req.keep;
    const answer = { counts: { ...counts }, overruns, events: [...received], stats: events?.stats() };
    if (req.clear === true) {
      received.length = 0;
      for (const k of Object.keys(counts)) delete counts[k];
    }
    return answer;
  },
  waitEvents: async (req) => {
    const until = Date.now() + (req.timeoutMs ?? 20_000);
    while ((counts[req.name] ?? 0) < req.count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    // let stragglers in, then report
    await new Promise((r) => setTimeout(r, req.settleMs ?? 100));
    return { counts: { ...counts }, overruns, stats: events?.stats(), settled: { ...settled } };
  },
};

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const req = JSON.parse(line) as { id: number; cmd: string };
  const handler = handlers[req.cmd];
  Promise.resolve()
    .then(() => (handler === undefined ? Promise.reject(new Error(`unknown command ${req.cmd}`)) : handler(req)))
    .then(
      (result) => process.stdout.write(JSON.stringify({ id: req.id, ok: true, result: result ?? null }) + '\n'),
      (error: Error) => process.stdout.write(JSON.stringify({ id: req.id, ok: false, error: `${error.name}: ${error.message}` }) + '\n'),
    );
});
lines.on('close', () => {
  events?.close();
  dumper.close();
  writer.close();
  process.exit(0);
});
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
