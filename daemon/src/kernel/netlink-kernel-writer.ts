// KernelWriter over a raw NETLINK_NETFILTER socket. A batch is cut into chunks of many
// requests, one datagram each (request-exchange.ts: no per-request ACK, failures answered by
// sequence number, a barrier closes the chunk). Each op's requests follow commit-plan.ts
// (create-or-update, retries), in phases so masters exist before what depends on them. Chunks
// are sized so that even all-failure answers fit the receive buffer; if answers are lost anyway,
// the chunk's requests are sent again, which is safe because every step is create-or-update.
// Records commit through a first pass that streams creates in the records' order, most of them
// straight from their payloads (codec/replica-commit.ts) with nothing allocated per record; the
// rest follows the plan.
import { constants } from 'node:os';
import { Table, type FlowRecord, type IndexedRecords, type RecordChange } from '../model/record.js';
import type { CommitOptions } from './codec/ct-encode.js';
import { encodeFlush } from './codec/ct-encode.js';
import { encodeExpectationFlush } from './codec/exp-codec.js';
import { AttrWriter } from './codec/netlink-attr.js';
import { encodeCreateFromReplica, replicaFastPath, ReplicaScanner } from './codec/replica-commit.js';
import { failure, firstRequest, nextStep, phaseOf, type OpTraits, type RequestKind, type Step } from './commit-plan.js';
import { KernelRequestError } from './errors.js';
import type { ApplyReport, CommitRecordsOptions, KernelOp, KernelWriter, OpResult, RecordApplyReport } from './kernel-roles.js';
import type { NetfilterSocketOptions } from './netfilter-socket.js';
import { fromRecord, PAYLOAD_HEADER, payloadHeadReadable } from './record-mapping.js';
import { encodeRequest } from './commit-request.js';
import { encodeItem, itemOf, itemsFromChanges, type WriteItem } from './write-items.js';
import { RequestExchange } from './request-exchange.js';

export interface KernelWriterOptions extends NetfilterSocketOptions {
  /** Mark committed TCP entries "be liberal" so resumed streams skip window checks (default true). */
  readonly tcpBeLiberal?: boolean;
  /** Upper bound of requests per datagram (default: what the receive buffer can answer, max 4096). */
  readonly maxRequestsPerChunk?: number;
  /** Give up on a chunk whose barrier never comes back (default 30 s). */
  readonly replyTimeoutMs?: number;
  /** Retry rounds per phase (default 6). */
  readonly maxRounds?: number;
  /** Exchange small chunks within the call (request-exchange.ts; default true; false: the binding's way only). */
  readonly exchangeInCall?: boolean;
}

/** Worst-case receive-buffer cost of one failure answer (the request echoed back + skb overhead). */
const ANSWER_COST = 2048;
const UNANSWERED = -1;
/** applyRecords (direct mode: create-or-update), a commit (copies replace what they find), a merge (create-only). */
type StreamMode = 'apply' | 'commit' | 'merge';
const MODE_TRAITS: Readonly<Record<StreamMode, Partial<OpTraits>>> = { apply: {}, commit: { replaces: true }, merge: { createOnly: true } };
/** Bits of a create the first pass sends (its traits beyond a conntrack set without a master). */
const WITH_HELPER = 1;
/** What the plan needs of a record the first pass creates, by mode and bits. */
const FIRST_PASS_TRAITS: Readonly<Record<StreamMode, readonly OpTraits[]>> = {
  apply: firstPassTraits('apply'),
  commit: firstPassTraits('commit'),
  merge: firstPassTraits('merge'),
};
const RETRY_CREATE: Step = { retry: 'create' };

function firstPassTraits(mode: StreamMode): OpTraits[] {
  return [0, 1].map((bits) => ({ op: 'set', hasMaster: false, hasTimeout: false, hasLabels: false, hasHelper: (bits & WITH_HELPER) !== 0, ...MODE_TRAITS[mode] }));
}

export class NetlinkKernelWriter implements KernelWriter {
  private readonly exchange: RequestExchange;
  private readonly w = new AttrWriter(1 << 20);
  /** clearLabels: once labels are in use (a labelled entry written or seen), or while the kernel may hold labelled ones (ct-encode.ts). */
  private readonly commit: { readonly tcp: CommitOptions['tcp']; clearLabels: boolean };
  private readonly labels = { inUse: false, held: false };
  private readonly maxRequests: number;
  private readonly maxRounds: number;
  private readonly scanner = new ReplicaScanner();
  /** Change index of each request in the chunk of the first pass (reused: direct mode writes many small batches). */
  private readonly inChunk: Int32Array;
  /** WITH_HELPER of each create in the chunk (streamCreates). */
  private readonly bitsInChunk: Uint8Array;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: KernelWriterOptions = {}) {
    this.exchange = new RequestExchange(options, options.replyTimeoutMs ?? 30_000, options.exchangeInCall ?? true);
    this.commit = { tcp: { beLiberal: options.tcpBeLiberal ?? true }, clearLabels: false };
    const byBuffer = Math.max(16, Math.floor(this.exchange.recvBufferSize / 2 / ANSWER_COST));
    this.maxRequests = Math.min(options.maxRequestsPerChunk ?? 4096, byBuffer);
    // the longest paths (commit-plan.ts): create, delete-orig, create-replaced, create-nohelper,
    // update, delete-reply, create-again; or create, create-nomaster, update, delete-reply, create-again
    this.maxRounds = options.maxRounds ?? 8;
    this.inChunk = new Int32Array(this.maxRequests);
    this.bitsInChunk = new Uint8Array(this.maxRequests);
  }

  get port(): number {
    return this.exchange.port;
  }

  /** Chunks answered within the call and chunks answered through the binding's poll (request-exchange.ts). */
  get exchanges(): { readonly inCall: number; readonly viaBinding: number } {
    return { ...this.exchange.exchanges };
  }

  apply(ops: readonly KernelOp[]): Promise<ApplyReport> {
    return this.serialized(() => {
      const items = ops.map(itemOf);
      if (items.some((i) => i.traits.hasLabels)) this.labelsInUse();
      return this.run(items);
    });
  }

  applyRecords(changes: readonly RecordChange[]): Promise<RecordApplyReport> {
    return this.serialized(() => this.applyChanges(changes.length, (i) => changes[i] as RecordChange, (i) => {
      const change = changes[i] as RecordChange;
      return change.op === 'set' ? change.record : undefined;
    }, 'apply'));
  }

  commitRecords(records: IndexedRecords, options: CommitRecordsOptions = {}): Promise<RecordApplyReport> {
    return this.serialized(() => this.applyChanges(records.length, (i) => ({ op: 'set', record: records.at(i) as FlowRecord }), (i) => records.at(i), options.createOnly === true ? 'merge' : 'commit'));
  }

  /** Record changes by index: `changeAt` builds one, `setAt` gives the record of a set (else undefined) without building it. */
  private async applyChanges(count: number, changeAt: (i: number) => RecordChange, setAt: (i: number) => FlowRecord | undefined, mode: StreamMode): Promise<RecordApplyReport> {
    const results: (OpResult | undefined)[] = new Array(count).fill(undefined);
    const first = await this.streamCreates(count, setAt, results, mode);
    const { items, undecodable } = itemsFromChanges(first.later.map(changeAt));
    const general = mode === 'apply' ? items.map((i) => i.item) : items.map((i) => ({ ...i.item, traits: { ...i.item.traits, ...MODE_TRAITS[mode] } }));
    const rest = await this.run(general, items.map((i) => first.kinds[i.index]));
    items.forEach((i, n) => (results[first.later[i.index] as number] = rest.results[n]));
    for (const u of undecodable) results[first.later[u.index] as number] = failure('create', constants.errno.EINVAL, `undecodable record: ${u.error}`);
    const report = tally(results as OpResult[], first.messages + rest.messages, first.retried + rest.retries, this.exchange.overruns - first.overrunsBefore);
    return { ...report, undecodable: undecodable.map((u) => ({ index: first.later[u.index] as number, error: u.error })) };
  }

  flush(table: 'conntrack' | 'expectation'): Promise<void> {
    return this.serialized(async () => {
      const seq = this.exchange.reserve(1);
      this.w.reset();
      if (table === 'conntrack') encodeFlush(this.w, seq);
      else encodeExpectationFlush(this.w, seq);
      const { barrierError, lost } = await this.exchange.exchange(this.w.buf.subarray(0, this.w.pos), seq, 0, seq);
      // the flush is its own barrier: with its answer dropped, the fresh barrier's 0 says nothing of it
      if (lost) throw new KernelRequestError(`the kernel's answer to flushing the ${table} table was lost (receive buffer overrun)`, constants.errno.ENOBUFS, { hint: 'flush again' });
      if (barrierError !== 0) throw new KernelRequestError(`flushing the ${table} table failed (errno ${barrierError})`, barrierError);
    });
  }

  labelsHeld(held: boolean): void {
    this.labels.held = held;
    this.commit.clearLabels = this.labels.inUse || held;
  }

  labelsInUse(): void {
    this.labels.inUse = true;
    this.commit.clearLabels = true;
  }

  close(): void {
    this.exchange.close();
  }

  /**
   * The first pass of a record commit, streamed: every conntrack set without a master is sent
   * as a create in the order given, straight from its payload bytes when no NAT must be rebuilt
   * (replica-commit.ts: nothing allocated per record), else from its decoded entry. What it
   * leaves (masters' dependants, expectations, deletes, answers that ask for an update, lost
   * answers) is returned with the request each needs next; the general path (run) takes them
   * from there.
   */
  private async streamCreates(count: number, setAt: (i: number) => FlowRecord | undefined, results: (OpResult | undefined)[], mode: StreamMode): Promise<{ later: number[]; kinds: (RequestKind | undefined)[]; messages: number; retried: number; overrunsBefore: number }> {
    const overrunsBefore = this.exchange.overruns;
    const later: number[] = [];
    const kinds: (RequestKind | undefined)[] = [];
    const scan = this.scanner;
    const inChunk = this.inChunk;
    const maxBytes = Math.max(64 * 1024, this.exchange.sendBufferSize - 64 * 1024);
    const traits = FIRST_PASS_TRAITS[mode];
    let messages = 0;
    let retried = 0;
    for (let k = 0; k < count; ) {
      this.w.reset();
      let inFlight = 0;
      const firstSeq = this.exchange.reserve(0);
      while (k < count && inFlight < this.maxRequests && this.w.pos < maxBytes) {
        const index = k++;
        const record = setAt(index);
        const payload = record !== undefined && record.table === Table.conntrack ? record.payload : undefined;
        const seq = (firstSeq + inFlight) >>> 0;
        const scanned = payload !== undefined && payloadHeadReadable(payload) && scan.scan(payload, PAYLOAD_HEADER, payload.length);
        if (scanned && scan.hasLabels) this.labelsInUse();
        if (!scanned || scan.hasMaster || !this.encodeCreate(record as FlowRecord, payload, seq)) {
          later.push(index);
          kinds.push(undefined); // the plan's first request for it
          continue;
        }
        this.bitsInChunk[inFlight] = scan.hasHelper ? WITH_HELPER : 0;
        inChunk[inFlight++] = index;
      }
      if (inFlight === 0) continue;
      messages += inFlight;
      this.exchange.reserve(inFlight);
      const barrier = this.exchange.writeBarrier(this.w);
      try {
        const { errors, lost } = await this.exchange.exchange(this.w.buf.subarray(0, this.w.pos), firstSeq, inFlight, barrier);
        for (let n = 0; n < inFlight; n++) {
          const index = inChunk[n] as number;
          const step = lost ? RETRY_CREATE : nextStep('create', errors[n] as number, traits[this.bitsInChunk[n] as number] as OpTraits);
          if ('done' in step) results[index] = step.done;
          else {
            later.push(index);
            kinds.push(step.retry);
            retried++;
          }
        }
      } catch (error) {
        const errno = (error as { errno?: number }).errno ?? constants.errno.EIO;
        const reason = error instanceof Error ? error.message : String(error);
        for (let n = 0; n < inFlight; n++) results[inChunk[n] as number] = failure('create', errno, reason);
      }
    }
    return { later, kinds, messages, retried, overrunsBefore };
  }

  /**
   * Encodes the create of a scanned record without a master: straight from its payload when
   * it allows (replica-commit.ts), else from its decoded entry (NAT must be rebuilt), in its
   * place in the stream, so flows with NAT come back as early as the rest. False (nothing
   * written) when the record does not decode or encode: the general path reports it.
   */
  private encodeCreate(record: FlowRecord, payload: Uint8Array, seq: number): boolean {
    const scan = this.scanner;
    if (replicaFastPath(scan)) {
      encodeCreateFromReplica(this.w, payload[1] as number, payload, PAYLOAD_HEADER, payload.length, scan, seq, 0, this.commit.tcp);
      return true;
    }
    const decoded = fromRecord(record);
    if (!decoded.ok || decoded.value.table !== 'conntrack') return false;
    const mark = this.w.pos;
    try {
      encodeRequest(this.w, { op: 'set', entry: decoded.value.entry }, 'create', seq, this.commit);
      return true;
    } catch {
      this.w.pos = mark;
      return false;
    }
  }

  /** Runs items through the plan; `start` gives the first request of each (default: the op's first). */
  private async run(items: readonly WriteItem[], start?: readonly (RequestKind | undefined)[]): Promise<ApplyReport> {
    const results: (OpResult | undefined)[] = new Array(items.length).fill(undefined);
    const kinds: RequestKind[] = items.map((i, n) => start?.[n] ?? firstRequest(i.traits));
    const overrunsBefore = this.exchange.overruns;
    let messages = 0;
    let retries = 0;
    for (let phase = 0; phase < 3; phase++) {
      let todo: number[] = [];
      items.forEach((item, i) => phaseOf(item.traits) === phase && todo.push(i));
      for (let round = 0; todo.length > 0 && round < this.maxRounds; round++) {
        if (round > 0) retries += todo.length;
        messages += todo.length;
        const answers = await this.runPass(todo, items, kinds, results);
        const next: number[] = [];
        for (const i of todo) {
          if (results[i] !== undefined) continue;
          const answer = answers[i] ?? 0;
          if (answer === UNANSWERED) {
            next.push(i); // answers lost: ask again, the same request is safe to repeat
            continue;
          }
          const step = nextStep(kinds[i] as RequestKind, answer, (items[i] as WriteItem).traits);
          if ('done' in step) results[i] = step.done;
          else {
            kinds[i] = step.retry;
            next.push(i);
          }
        }
        todo = next;
      }
      for (const i of todo) results[i] = failure(kinds[i] as RequestKind, constants.errno.ELOOP, `no final answer after ${this.maxRounds} rounds (last request: ${kinds[i]})`);
    }
    return tally(results as OpResult[], messages, retries, this.exchange.overruns - overrunsBefore);
  }

  /** Sends the current request of each op in `todo`; returns the kernel's answer per op index. */
  private async runPass(todo: readonly number[], items: readonly WriteItem[], kinds: readonly RequestKind[], results: (OpResult | undefined)[]): Promise<Int32Array> {
    const answers = new Int32Array(items.length);
    const maxBytes = Math.max(64 * 1024, this.exchange.sendBufferSize - 64 * 1024);
    const inChunk: number[] = [];
    for (let k = 0; k < todo.length; ) {
      this.w.reset();
      inChunk.length = 0;
      const firstSeq = this.exchange.reserve(0);
      while (k < todo.length && inChunk.length < this.maxRequests && this.w.pos < maxBytes) {
        const i = todo[k++] as number;
        const mark = this.w.pos;
        try {
          encodeItem(this.w, items[i] as WriteItem, kinds[i] as RequestKind, (firstSeq + inChunk.length) >>> 0, this.commit);
          inChunk.push(i);
        } catch (error) {
          this.w.pos = mark;
          results[i] = failure(kinds[i] as RequestKind, constants.errno.EINVAL, error instanceof Error ? error.message : String(error));
        }
      }
      if (inChunk.length === 0) continue;
      this.exchange.reserve(inChunk.length);
      const barrier = this.exchange.writeBarrier(this.w);
      try {
        const { errors, lost } = await this.exchange.exchange(this.w.buf.subarray(0, this.w.pos), firstSeq, inChunk.length, barrier);
        inChunk.forEach((i, n) => (answers[i] = lost ? UNANSWERED : (errors[n] as number)));
      } catch (error) {
        const errno = (error as { errno?: number }).errno ?? constants.errno.EIO;
        const reason = error instanceof Error ? error.message : String(error);
        for (const i of inChunk) results[i] = failure(kinds[i] as RequestKind, errno, reason);
      }
    }
    return answers;
  }

  private serialized<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function tally(results: OpResult[], messages: number, retries: number, overruns: number): ApplyReport {
  let created = 0;
  let replaced = 0;
  let updated = 0;
  let deleted = 0;
  let failed = 0;
  for (const r of results) {
    if (!r.ok) failed++;
    else if (r.action === 'updated') updated++;
    else if (r.action === 'replaced') replaced++;
    else if (r.action === 'deleted' || r.action === 'absent') deleted++;
    else if (r.action !== 'kept') created++;
  }
  return { results, created, replaced, updated, deleted, failed, messages, retries, overruns };
}
