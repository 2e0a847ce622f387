// half-syncd's own account of its takeovers, read back from its log (the format of
// daemon/src/metrics/logger.ts outside systemd: "<ISO 8601 UTC> <level> <message> key=value …",
// values bare or double-quoted with \" \\ \n escapes). A takeover is a "failover transition"
// to=master; its commit is the "external cache committed to the kernel" line that follows (the
// line is written when the commit ends and carries its duration, so the start is derived), and
// the takeover guard comes off at "takeover guard off". Pure: text in, records out.
import type { FirewallName } from './harness/addresses.js';
import type { TakeoverRecord } from './harness/stack.js';

export interface LogLine {
  /** Epoch ms. */
  readonly at: number;
  readonly level: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, string>>;
}

const HEAD = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (debug|info|warn|error) /;
const FIELD = / ([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|\S*)/y;

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

/** One log line, or undefined for anything else (a stack trace, a line of another program). */
export function parseLogLine(line: string): LogLine | undefined {
  const head = HEAD.exec(line);
  if (head === null) return undefined;
  const rest = line.slice(head[0].length);
  const firstField = rest.search(/ [A-Za-z_][A-Za-z0-9_.-]*=/);
  const message = firstField < 0 ? rest : rest.slice(0, firstField);
  const fields: Record<string, string> = {};
  if (firstField >= 0) {
    FIELD.lastIndex = firstField;
    for (let m = FIELD.exec(rest); m !== null; m = FIELD.exec(rest)) fields[m[1] as string] = unquote(m[2] as string);
  }
  return { at: Date.parse(head[1] as string), level: head[2] as string, message, fields };
}

export function parseLog(text: string): LogLine[] {
  return text.split('\n').map(parseLogLine).filter((l): l is LogLine => l !== undefined);
}

export interface HalfTakeover extends TakeoverRecord {
  /** The takeover guard came off (forwarding of stateless TCP allowed again), epoch ms. */
  readonly guardOffAt?: number;
  readonly commitFailed?: number;
}

/** Every MASTER transition of `node` in its log, with the commit and guard release that followed. */
export function takeoversFromLog(node: FirewallName, lines: readonly LogLine[]): HalfTakeover[] {
  const out: HalfTakeover[] = [];
  lines.forEach((line, i) => {
    if (line.message !== 'failover transition' || line.fields['to'] !== 'master') return;
    const rest = lines.slice(i + 1);
    const next = rest.findIndex((l) => l.message === 'failover transition' || l.message === 'half-syncd starting');
    const mine = next < 0 ? rest : rest.slice(0, next);
    const commit = mine.find((l) => l.message.startsWith('external cache committed to the kernel') && l.fields['reason'] === 'failover');
    const guardOff = mine.find((l) => l.message === 'takeover guard off');
    const ms = Number(commit?.fields['ms']);
    out.push({
      node,
      notifiedAt: line.at,
      ...(commit === undefined || !Number.isFinite(ms) ? {} : { commitStartedAt: commit.at - ms, commitEndedAt: commit.at, committedEntries: Number(commit.fields['entries']), commitFailed: Number(commit.fields['failed']) }),
      ...(guardOff === undefined ? {} : { guardOffAt: guardOff.at }),
    });
  });
  return out;
}

/** When the log first said the node holds the table of a sending peer (the failback gate opened), after `since`. */
export function resyncDoneAt(lines: readonly LogLine[], since: number): number | undefined {
  return lines.find((l) => l.at >= since && l.message.startsWith('resync done') && (l.fields['reason'] ?? '').startsWith('resynced from node'))?.at;
}
