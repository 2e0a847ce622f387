// Failover, side by side in one run (issue 5 §3, §4): the failover harness's scenario with
// Debian's conntrackd + keepalived on the firewalls (the reference), then with HALF's packages
// (HalfStack), at the scale size by default: 5,000 established TCP flows + 100 UDP flows held by
// the traffic generator and 100,000 extra conntrack entries injected on the active node. Prints
// one row per stack (flows kept, RSTs, takeover and gap times of the failover) and writes each
// run's full report to report/<label>/.
//
//   node --import tsx bench/failover-compare.ts [--suite] [--tcp N] [--udp N] [--extra N]
//        [--interval MS] [--no-failback] [--only conntrackd|half]          (as root)
//
// --suite runs the test suite's size (500 TCP + 100 UDP, no extra entries). Goal for HALF: at
// least conntrackd's flows kept, zero RSTs, a shorter longest gap. HALF's firewalls install HALF
// with apt from a repository `half-repo build` makes first (not timed), preseeded as an admin
// would, with the advert interval set to the reference's (half.conf [vrrp] advert-interval and
// `half configure`), so both rows run the same VRRP timing. A stack that cannot run here says why
// in its row.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConntrackdStack } from '../test/e2e/failover/harness/conntrackd-stack.js';
import { buildServedRepository, type BuiltRepository } from '../test/e2e/failover/half-repository.js';
import { HalfStack } from '../test/e2e/failover/harness/half-stack.js';
import { ADVERT_INT_S } from '../test/e2e/failover/harness/keepalived-conf.js';
import { runScenario } from '../test/e2e/failover/harness/scenario.js';
import { SCALE_SIZE, SUITE_SIZE, TIMING_DEFAULTS, type ScenarioSize } from '../test/e2e/failover/harness/scenario-options.js';
import type { FirewallStack } from '../test/e2e/failover/harness/stack.js';
import { StackUnavailableError } from '../test/e2e/failover/harness/stack.js';
import { renderCompareTable, type CompareRow } from '../test/e2e/failover/report/compare-table.js';
import { writeReport } from '../test/e2e/failover/report/write-report.js';

interface BenchArgs {
  readonly size: ScenarioSize;
  readonly sizeName: string;
  readonly failback: boolean;
  readonly only: string | undefined;
}

function parseArgs(argv: readonly string[]): BenchArgs {
  const value = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got "${argv[i + 1] ?? ''}"`);
    return n;
  };
  const suite = argv.includes('--suite');
  const base = suite ? SUITE_SIZE : SCALE_SIZE;
  const tcpFlows = value('--tcp') ?? base.tcpFlows;
  const udpFlows = value('--udp') ?? base.udpFlows;
  const size: ScenarioSize = {
    tcpFlows,
    udpFlows,
    collidingTcp: Math.min(base.collidingTcp, Math.floor(tcpFlows / 2)),
    collidingUdp: Math.min(base.collidingUdp, Math.floor(udpFlows / 2)),
    intervalMs: value('--interval') ?? base.intervalMs,
    extraEntries: value('--extra') ?? base.extraEntries,
  };
  const onlyAt = argv.indexOf('--only');
  return { size, sizeName: suite ? 'suite' : 'scale', failback: !argv.includes('--no-failback'), only: onlyAt < 0 ? undefined : argv[onlyAt + 1] };
}

async function runStack(name: string, stack: FirewallStack, args: BenchArgs, scratch: string): Promise<CompareRow> {
  const label = `bench-${name}-${args.sizeName}`;
  try {
    const result = await runScenario({ label, stack, ...args.size, ftp: true, failback: args.failback, ...TIMING_DEFAULTS, syncTimeoutMs: 180_000, runDir: join(scratch, name) });
    const report = await writeReport(result);
    return { stack: stack.label, ran: true, analysis: report.analysis, verdicts: report.verdicts, reportDir: report.dir };
  } catch (err) {
    if (err instanceof StackUnavailableError) return { stack: stack.label, ran: false, why: err.message };
    throw err;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const scratch = await mkdtemp(join(tmpdir(), 'half-failover-bench-'));
  // a signal still runs the exit hooks that remove the namespaces (test/helpers/netns.ts)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const rows: CompareRow[] = [];
  let repo: BuiltRepository | undefined;
  try {
    const stacks: [string, () => Promise<FirewallStack>][] = [
      ['conntrackd', async () => new ConntrackdStack({ replicate: true, hashLimit: 524_288 })],
      ['half', async () => new HalfStack({ repo: (repo ??= await buildServedRepository()), advertIntervalS: ADVERT_INT_S })],
    ];
    for (const [name, make] of stacks) {
      if (args.only !== undefined && args.only !== name) continue;
      let stack: FirewallStack;
      try {
        stack = await make();
      } catch (err) {
        rows.push({ stack: name, ran: false, why: err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err) });
        continue;
      }
      process.stderr.write(`failover-compare: running ${stack.label}…\n`);
      rows.push(await runStack(name, stack, args, scratch));
    }
  } finally {
    await repo?.close();
    await rm(scratch, { recursive: true, force: true });
  }
  const s = args.size;
  console.log(`failover, ${s.tcpFlows} TCP + ${s.udpFlows} UDP flows (a message every ${s.intervalMs} ms), ${s.extraEntries} extra entries, FTP session, brutal kill of the master (${new Date().toISOString()})`);
  console.log(renderCompareTable(rows));
  for (const row of rows) if (row.ran) console.log(`${row.stack}: ${row.reportDir}/README.md`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
