// `half commit`, `half flush` and `half resync`: one control request each, its summary printed
// (or its JSON with --json).
import { UsageError } from '../../../repo-tool/src/model/errors.js';
import { FLUSH_TARGETS, RESYNC_SOURCES, type FlushTarget, type ResyncSource } from '../control/protocol.js';
import type { CommitSummary, FlushSummary, ResyncSummary } from '../control/status-model.js';
import type { CliCommand, CommandContext } from './command.js';
import { askDaemon, LONG_COMMAND_TIMEOUT_MS } from './daemon-target.js';
import { CliExit } from './exit-codes.js';
import { replacedText } from './render-status.js';
import { formatCount, formatMs } from './text-table.js';

function choice<T extends string>(command: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`half ${command}: "${value}" is not one of ${allowed.join(', ')}`, { hint: `see half help ${command}` });
}

function print(context: CommandContext, result: unknown, text: (value: never) => string): CliExit {
  context.io.out(context.options.json === true ? JSON.stringify(result, null, 2) + '\n' : text(result as never) + '\n');
  return CliExit.ok;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : NaN);

export const commitCommand: CliCommand = {
  name: 'commit',
  summary: 'commit the peers\' connections (external cache) to the kernel now',
  usage: 'half commit [--json]',
  details: 'What a MASTER transition does, by hand: every entry of the external cache is created or updated in the kernel\'s conntrack table (a NATed one whose entry there has another mapping is replaced). Exits 8 when some entries failed; waits up to 10 minutes for the answer.',
  options: ['json', 'config', 'socket'],
  maxArgs: 0,
  async run(context) {
    const result = await askDaemon(context.options, { cmd: 'commit' }, LONG_COMMAND_TIMEOUT_MS);
    const printed = print(context, result, (r: CommitSummary) =>
      `committed ${formatCount(num(r.entries))} entries in ${formatMs(num(r.durationMs))}: ${formatCount(num(r.created))} created, ${replacedText(typeof r.replaced === 'number' ? r.replaced : undefined)}${formatCount(num(r.updated))} updated, ${formatCount(num(r.failed))} failed`);
    return num((result as Partial<CommitSummary>).failed) > 0 ? CliExit.partialCommit : printed;
  },
};

export const flushCommand: CliCommand = {
  name: 'flush',
  summary: 'empty the caches: all (default), internal (ours) or external (the peers\')',
  usage: `half flush [${FLUSH_TARGETS.join('|')}] [--json]`,
  details: 'The kernel\'s conntrack table is not touched. A flushed external cache refills from the peers\' next resync (half resync).',
  options: ['json', 'config', 'socket'],
  maxArgs: 1,
  async run(context) {
    const target: FlushTarget = choice('flush', context.args[0], FLUSH_TARGETS, 'all');
    const result = await askDaemon(context.options, { cmd: 'flush', target });
    return print(context, result, (r: FlushSummary) => `flushed ${target}: ${formatCount(num(r.internal))} internal and ${formatCount(num(r.external))} external entries removed`);
  },
};

export const resyncCommand: CliCommand = {
  name: 'resync',
  summary: 'ask the peers for a full resync (default), or re-read our own table from the kernel',
  usage: `half resync [${RESYNC_SOURCES.join('|')}] [--json]`,
  options: ['json', 'config', 'socket'],
  maxArgs: 1,
  async run(context) {
    const source: ResyncSource = choice('resync', context.args[0], RESYNC_SOURCES, 'peers');
    const result = await askDaemon(context.options, { cmd: 'resync', source }, source === 'kernel' ? LONG_COMMAND_TIMEOUT_MS : undefined);
    return print(context, result, (r: ResyncSummary) =>
      source === 'peers' ? `resync requested from ${formatCount(num(r.count))} peer(s)` : `re-read ${formatCount(num(r.count))} entries from the kernel`);
  },
};
