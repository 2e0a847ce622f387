// Re-reading our own table from the kernel (what half-syncd does at start-up, after an event
// overrun, at takeover and after commits), side by side in one run, in a fresh network namespace
// holding N entries: `conntrack -L > /dev/null` (the reference: the tool reading the same table),
// HALF's dump to records (dumpConntrackRecords: the scanner, as the resync does it) and to
// decoded entries mapped to records (dumpConntrack + toRecord: how the resync did it before
// 2026-11-27), and the reconcile of the records with an internal cache that lacks every eighth
// entry and holds a tenth as many entries the dump lacks (pacedReconcile, nothing in flight).
// Wall time and CPU time (this process's and its children's: bench/lib/measure.ts) per step.
//
//   node --import tsx bench/table-resync.ts [sizes…]      (as root; default 200000)
//
// REPEAT (default 3) interleaved repetitions, the best wall time of each kept (with its CPU).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowCache } from '../daemon/src/cache/flow-cache.js';
import { NetlinkKernelDumper } from '../daemon/src/kernel/netlink-kernel-dumper.js';
import { toRecord } from '../daemon/src/kernel/record-mapping.js';
import type { FlowRecord, RecordChange } from '../daemon/src/model/record.js';
import { pacedReconcile } from '../daemon/src/runtime/paced-reconcile.js';
import { TouchedKeys } from '../daemon/src/runtime/touched-keys.js';
import { runInFreshNamespace } from './lib/fresh-namespace.js';
import { measure, type Sample } from './lib/measure.js';
import { syntheticConntrackLines } from '../test/daemon/kernel/helpers/synthetic-flows.js';

const sizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const SIZES = sizes.length > 0 ? sizes : [200_000];
const REPEAT = Number(process.env['REPEAT'] ?? 3);

/** `conntrack -L > /dev/null` (its CPU counted as a child's). */
function cliList(): void {
  const r = spawnSync('conntrack', ['-L'], { stdio: ['ignore', 'ignore', 'ignore'] });
  if (r.status !== 0) throw new Error('conntrack -L failed');
}

function better(a: Sample, b: Sample): Sample {
  return b.wallMs < a.wallMs ? b : a;
}

async function inside(): Promise<void> {
  const dumper = new NetlinkKernelDumper();
  const dir = mkdtempSync(join(tmpdir(), 'h13-resync-bench-'));
  const rows: string[] = [];
  try {
    for (const n of SIZES) {
      const file = join(dir, `flows-${n}`);
      writeFileSync(file, syntheticConntrackLines(n));
      execFileSync('conntrack', ['-F'], { stdio: 'ignore' });
      const load = spawnSync('conntrack', ['-R', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (load.status !== 0) throw new Error(`conntrack -R failed: ${load.stderr.toString()}`);
      // warm up (a running daemon is): JIT, socket buffers
      await dumper.dumpConntrackRecords();
      await dumper.dumpConntrack();
      const none: Sample = { wallMs: Infinity, cpuMs: NaN };
      const best = { cli: none, records: none, entries: none, reconcile: none };
      let counts = { dumped: 0, added: 0, removed: 0 };
      for (let rep = 0; rep < REPEAT; rep++) {
        best.cli = better(best.cli, await measure(async () => cliList()));
        let records: FlowRecord[] = [];
        best.records = better(best.records, await measure(async () => (records = (await dumper.dumpConntrackRecords()).entries)));
        best.entries = better(best.entries, await measure(async () => (await dumper.dumpConntrack()).entries.map(toRecord)));
        if (records.length !== n) throw new Error(`the dump read ${records.length} entries, not ${n}`);
        const internal = new FlowCache();
        records.forEach((record, i) => {
          if (i % 8 !== 0) internal.set(record, 1, 0);
        });
        for (const record of records.slice(0, Math.floor(n / 10))) {
          const key = Uint8Array.from(record.key);
          key[key.length - 1] = (key[key.length - 1] as number) ^ 0x5a;
          internal.set({ ...record, key }, 1, 0);
        }
        const localChange = (c: RecordChange): void => {
          if (c.op === 'set') internal.set(c.record, 1, 0);
          else internal.delete(c.table, c.key);
        };
        let result = { added: 0, changed: 0, removed: 0 };
        best.reconcile = better(best.reconcile, await measure(async () => (result = await pacedReconcile(records, { internal, localChange, inFlight: () => 0, maxInFlight: 64, touched: new TouchedKeys() }))));
        if (internal.size !== n) throw new Error(`the reconcile left ${internal.size} entries, not ${n}`);
        counts = { dumped: records.length, added: result.added, removed: result.removed };
      }
      execFileSync('conntrack', ['-F'], { stdio: 'ignore' });
      const row = (what: string, t: Sample, ratio?: number): string =>
        `${String(n).padStart(7)}  ${what.padEnd(40)} ${t.wallMs.toFixed(0).padStart(6)} ms wall ${t.cpuMs.toFixed(0).padStart(6)} ms CPU${ratio === undefined ? '' : `  x${ratio.toFixed(2)} against conntrack -L`}`;
      rows.push(row('conntrack -L > /dev/null', best.cli));
      rows.push(row('HALF dump to records (scanner)', best.records, best.cli.wallMs / best.records.wallMs));
      rows.push(row('HALF dump to entries, then toRecord', best.entries, best.cli.wallMs / best.entries.wallMs));
      rows.push(row(`HALF reconcile (+${counts.added} / -${counts.removed})`, best.reconcile));
    }
  } finally {
    dumper.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`table resync, ${SIZES.join('/')} entries, fresh namespace, best of ${REPEAT} (${new Date().toISOString()})`);
  for (const row of rows) console.log(row);
}

if (process.argv.includes('--inside')) {
  await inside();
} else {
  runInFreshNamespace('h13rsbench', import.meta.url, SIZES.map(String));
}
