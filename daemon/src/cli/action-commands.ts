// `half commit`, `half flush` and `half resync`: one control request each, its summary printed
// (or its JSON with --json).
import { UsageError } from '../../../repo-tool/src/model/errors.js';
import { FLUSH_TARGETS, RESYNC_SOURCES, type FlushTarget, type ResyncSource } from '../control/protocol.js';
import { ControlProtocolError } from '../control/errors.js';
import type { ControlRequest } from '../control/protocol.js';
import { decodeActionAnswer, type ActionAnswers } from '../control/status-decode.js';
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

/** Asks the daemon and checks the answer's shape: a wrong one is a ControlProtocolError (exit 5), never a crash or a false success. */
async function ask<C extends keyof ActionAnswers>(context: CommandContext, request: ControlRequest & { cmd: C }, timeoutMs?: number): Promise<ActionAnswers[C]> {
  const decoded = decodeActionAnswer(request.cmd, await askDaemon(context.options, request, timeoutMs));
  if (!decoded.ok) throw new ControlProtocolError(`half-syncd's answer to ${request.cmd} does not decode: ${decoded.reason}`, { hint: 'are half and half-syncd from the same release? (`dpkg -l half-syncd`)' });
  return decoded.answer;
}

function print<T>(context: CommandContext, result: T, text: (value: T) => string): CliExit {
  context.io.out(context.options.json === true ? JSON.stringify(result, null, 2) + '\n' : text(result) + '\n');
  return CliExit.ok;
}

export const commitCommand: CliCommand = {
  name: 'commit',
  summary: 'commit the peers\' connections (external cache) to the kernel now',
  usage: 'half commit [--json]',
  details: 'What a MASTER transition does, by hand: every entry of the external cache is created or updated in the kernel\'s conntrack table (a NATed one whose entry there has another mapping is replaced). Exits 8 when some entries failed; waits up to 10 minutes for the answer.',
  options: ['json', 'config', 'socket'],
  maxArgs: 0,
  async run(context) {
    const result = await ask(context, { cmd: 'commit' }, LONG_COMMAND_TIMEOUT_MS);
    const printed = print(context, result, (r) =>
      `committed ${formatCount(r.entries)} entries in ${formatMs(r.durationMs)}: ${formatCount(r.created)} created, ${replacedText(r.replaced)}${formatCount(r.updated)} updated, ${formatCount(r.failed)} failed`);
    return result.failed > 0 ? CliExit.partialCommit : printed;
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
    const result = await ask(context, { cmd: 'flush', target });
    return print(context, result, (r) => `flushed ${target}: ${formatCount(r.internal)} internal and ${formatCount(r.external)} external entries removed`);
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
    const result = await ask(context, { cmd: 'resync', source }, source === 'kernel' ? LONG_COMMAND_TIMEOUT_MS : undefined);
    return print(context, result, (r) =>
      source === 'peers' ? `resync requested from ${formatCount(r.count)} peer(s)` : `re-read ${formatCount(r.count)} entries from the kernel`);
  },
};
