// Checks that a `status` answer has the shape of DaemonStatus (status-model.ts) before the CLI
// renders it: the schema number, and the type of every field the renderer and the doctor read.
// Never throws; the first mismatch is named by its path.
import { STATUS_SCHEMA, type CommitSummary, type DaemonStatus, type FlushSummary, type ResyncSummary } from './status-model.js';
import { shownValue } from './protocol.js';

/** `number?`, `string?`: the value or null; `optional number`: the value or absent (a field newer daemons add). */
type Shape = 'number' | 'string' | 'boolean' | 'number?' | 'string?' | 'optional number' | 'object' | 'array' | 'counts' | { readonly [key: string]: Shape };

const HISTOGRAM: Shape = { bounds: 'array', counts: 'array', count: 'number', sum: 'number', last: 'number?', p50: 'number?', p99: 'number?', windowMs: 'number' };

const STATUS: Shape = {
  schema: 'number',
  daemon: { version: 'string', pid: 'number', uptimeSeconds: 'number', configFile: 'string' },
  node: { id: 'number', bootEpoch: 'number', role: 'string', ha: 'string', mode: 'string' },
  stream: { lastSeq: 'number', resendQueue: 'number', resyncInProgress: 'boolean' },
  tables: { internal: 'number', external: 'number', kernel: 'number?' },
  peers: 'array',
  summary: { eventsIn: 'number', eventsOut: 'number', recordsApplied: 'number', resends: 'number', nacksSent: 'number', nacksReceived: 'number', resyncs: 'number', overruns: 'number', resendQueueOverflows: 'number' },
  counters: { drops: 'counts', sync: 'counts', kernel: 'counts', control: 'counts' },
  commits: { count: 'number', last: 'object', durationMs: HISTOGRAM },
  latency: { replicationLagMs: HISTOGRAM },
};

/** Checked when present: a daemon older than the CLI (during an upgrade) does not send it. */
const KERNEL_EVENTS: Shape = { subscribed: 'boolean', reader: 'string?', fallback: 'string?', lastError: 'string?' };

/** Checked when present: a daemon older than the CLI does not send it. */
const CHANNEL_COUNTERS: Shape = 'counts';

/** Checked when present: only a node with two sync links sends it. */
const SYNC_LINKS: Shape = { switches: 'number', links: 'array' };
const SYNC_LINK: Shape = { interface: 'string', active: 'boolean', silentForMs: 'number', sendErrors: 'number' };

const PEER: Shape = {
  nodeId: 'number', address: 'string', epoch: 'number', state: 'string', role: 'string?', lastSeenMs: 'number', joined: 'boolean', expectedSeq: 'number',
  followsUs: 'boolean', ackedUpTo: 'number?', lagFrames: 'number?', externalEntries: 'number',
};

function check(value: unknown, shape: Shape, path: string): string | undefined {
  if (typeof shape === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path} is not an object`;
    for (const [key, inner] of Object.entries(shape)) {
      const problem = check((value as Record<string, unknown>)[key], inner, `${path}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  switch (shape) {
    case 'number':
    case 'string':
    case 'boolean':
      return typeof value === shape ? undefined : `${path} is not a ${shape}`;
    case 'number?':
    case 'string?':
      return value === null || typeof value === shape.slice(0, -1) ? undefined : `${path} is not a ${shape.slice(0, -1)} or null`;
    case 'optional number':
      return value === undefined || typeof value === 'number' ? undefined : `${path} is not a number`;
    case 'object':
      return typeof value === 'object' ? undefined : `${path} is not an object or null`;
    case 'array':
      return Array.isArray(value) ? undefined : `${path} is not an array`;
    case 'counts':
      if (typeof value !== 'object' || value === null) return `${path} is not an object`;
      return Object.values(value).every((n) => typeof n === 'number') ? undefined : `${path} holds a value that is not a number`;
  }
}

/** The first problem of the first item of `items` that does not have `shape` (named `path[i]`). */
function checkEach(items: readonly unknown[], shape: Shape, path: string): string | undefined {
  for (const [i, item] of items.entries()) {
    const problem = check(item, shape, `${path}[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

export function decodeDaemonStatus(value: unknown): { readonly ok: true; readonly status: DaemonStatus } | { readonly ok: false; readonly reason: string } {
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (schema !== STATUS_SCHEMA) return { ok: false, reason: `status schema ${shownValue(schema)} is not ${STATUS_SCHEMA}` };
  const problem = check(value, STATUS, 'status');
  if (problem !== undefined) return { ok: false, reason: problem };
  const { kernelEvents, syncLinks, peers, counters } = value as { kernelEvents?: unknown; syncLinks?: { links?: unknown }; peers: unknown[]; counters: { channel?: unknown } };
  const partProblem =
    (kernelEvents === undefined ? undefined : check(kernelEvents, KERNEL_EVENTS, 'status.kernelEvents')) ??
    (counters.channel === undefined ? undefined : check(counters.channel, CHANNEL_COUNTERS, 'status.counters.channel')) ??
    (syncLinks === undefined ? undefined : (check(syncLinks, SYNC_LINKS, 'status.syncLinks') ?? checkEach(syncLinks.links as unknown[], SYNC_LINK, 'status.syncLinks.links'))) ??
    checkEach(peers, PEER, 'status.peers');
  if (partProblem !== undefined) return { ok: false, reason: partProblem };
  // a peer's state is one of two words: another read as "down" made the doctor report a live peer silent (review)
  const odd = peers.findIndex((peer) => (peer as { state: unknown }).state !== 'up' && (peer as { state: unknown }).state !== 'down');
  if (odd >= 0) return { ok: false, reason: `status.peers[${odd}].state is ${shownValue((peers[odd] as { state: unknown }).state)}, not "up" or "down"` };
  return { ok: true, status: value as DaemonStatus };
}

const ANSWERS = {
  commit: { entries: 'number', created: 'number', replaced: 'optional number', updated: 'number', failed: 'number', durationMs: 'number' },
  flush: { target: 'string', internal: 'number', external: 'number' },
  resync: { source: 'string', count: 'number' },
} as const satisfies Record<string, Shape>;

export interface ActionAnswers {
  readonly commit: CommitSummary;
  readonly flush: FlushSummary;
  readonly resync: ResyncSummary;
}

/** Checks the answer of `half commit`, `flush` or `resync` as decodeDaemonStatus checks a status. */
export function decodeActionAnswer<C extends keyof ActionAnswers>(cmd: C, value: unknown): { readonly ok: true; readonly answer: ActionAnswers[C] } | { readonly ok: false; readonly reason: string } {
  const problem = check(value, ANSWERS[cmd], cmd);
  return problem === undefined ? { ok: true, answer: value as ActionAnswers[C] } : { ok: false, reason: problem };
}
