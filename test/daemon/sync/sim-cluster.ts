// Test helper (not a test): a cluster of SyncNodes on a SimulatedNetwork driven by a FakeClock,
// synthetic flow records, and an exact comparison of a standby's external cache with the
// primary's internal cache (same keys, same stateHashes).
import { ExternalCaches } from '../../../daemon/src/cache/external-caches.js';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import type { Channel } from '../../../daemon/src/channel/channel.js';
import { Prng } from '../../../daemon/src/channel/prng.js';
import type { NetworkConditions } from '../../../daemon/src/channel/simulated-network.js';
import { SimulatedNetwork } from '../../../daemon/src/channel/simulated-network.js';
import type { FlowRecord, RecordChange } from '../../../daemon/src/model/record.js';
import { Table } from '../../../daemon/src/model/record.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import type { SyncOptions } from '../../../daemon/src/sync/options.js';
import { OWN_CLOSES_MAX, SyncNode } from '../../../daemon/src/sync/sync-node.js';
import { decodeFrame } from '../../../daemon/src/wire/frame-codec.js';
import type { Message, Role } from '../../../daemon/src/wire/messages.js';
import { FrameKeys } from '../../../daemon/src/wire/keys.js';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import type { RecordPacking } from '../../../daemon/src/model/record-packing.js';
import { syntheticEntries } from '../kernel/helpers/synthetic-flows.js';

export const CLUSTER_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
export const CLUSTER_ID = 7;

/** A synthetic conntrack-like record: a 37-byte key (tuple-sized), an ~90-byte payload. */
export function makeRecord(id: number, version: number): FlowRecord {
  const key = Buffer.alloc(37);
  key.writeUInt32BE(id, 0);
  key.writeUInt32BE(0xc0000200 + (id % 256), 4);
  key.writeUInt16BE(id % 65536, 8);
  const payload = Buffer.alloc(90, version & 0xff);
  payload.writeUInt32BE(id, 0);
  payload.writeUInt32BE(version, 4);
  const table = id % 10 === 0 ? Table.expectation : Table.conntrack;
  const stateHash = (BigInt(id) << 32n) | BigInt(version >>> 0);
  return { table, key, payload, stateHash };
}

/** A real conntrack record (an IPv4 TCP flow, kernel/record-mapping.ts), its mark and timeout set by the version. */
export function makeConntrackRecord(id: number, version: number): FlowRecord {
  const entry = syntheticEntries(1, { start: id })[0] as ConntrackEntry;
  return toRecord({ ...entry, mark: version, timeout: 600 - (version % 300) });
}

export interface SimMember {
  readonly id: number;
  readonly address: string;
  readonly epoch: number;
  readonly node: SyncNode;
  readonly channel: Channel;
  readonly internal: FlowCache;
  readonly external: ExternalCaches;
}

export interface MemberOptions {
  readonly role: Role;
  readonly epoch?: number;
  readonly initialSeq?: number;
  readonly options?: Partial<SyncOptions>;
  /** Records already in the kernel table when the daemon starts. */
  readonly table?: Iterable<FlowRecord>;
  /** Direct mode: external changes as they are applied. */
  readonly onExternalChange?: (origin: number, change: RecordChange) => void;
  readonly packing?: RecordPacking;
}

export class SimCluster {
  readonly clock = new FakeClock(1_000);
  readonly network: SimulatedNetwork;
  readonly keys = new FrameKeys(CLUSTER_KEY, CLUSTER_ID);
  readonly members = new Map<number, SimMember>();
  readonly addresses = new Set<string>();

  constructor(conditions: Partial<NetworkConditions> & { readonly seed: number }) {
    this.network = new SimulatedNetwork(this.clock, conditions);
  }

  address(id: number): string {
    return `203.0.113.${id}`;
  }

  /** Starts (or restarts, with a new epoch and fresh caches) node `id`. */
  start(id: number, member: MemberOptions): SimMember {
    this.members.get(id)?.node.stop();
    const address = this.address(id);
    this.addresses.add(address);
    const channel = this.network.attach(address);
    const internal = new FlowCache();
    const now = this.clock.now();
    for (const record of member.table ?? []) internal.set(record, id, now);
    const external = new ExternalCaches();
    const epoch = member.epoch ?? (this.members.get(id)?.epoch ?? 100) + 1;
    const node = new SyncNode({
      clock: this.clock,
      channel,
      keys: this.keys,
      nodeId: id,
      bootEpoch: epoch,
      role: member.role,
      ...(member.initialSeq === undefined ? {} : { initialSeq: member.initialSeq }),
      acceptSource: (from) => this.addresses.has(from),
      internal,
      external,
      ...(member.options === undefined ? {} : { options: member.options }),
      ...(member.onExternalChange === undefined ? {} : { onExternalChange: member.onExternalChange }),
      ...(member.packing === undefined ? {} : { packing: member.packing }),
    });
    const started: SimMember = { id, address, epoch, node, channel, internal, external };
    this.members.set(id, started);
    node.start();
    return started;
  }

  member(id: number): SimMember {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`no simulated node ${id}`);
    return member;
  }

  /** Whether `standby` holds exactly `primary`'s table as its external cache of that origin. */
  inSync(primary: number, standby: number): boolean {
    return identical(this.member(primary).internal, this.member(standby).external.peek(primary));
  }

  allInSync(primary: number): boolean {
    const expected = this.member(primary).internal;
    const standbys = [...this.members.values()].filter((member) => member.id !== primary);
    // Cheap necessary condition for every standby first (sizes and bucket digests), then exact.
    if (!standbys.every((member) => sameDigests(expected, member.external.peek(primary)))) return false;
    return standbys.every((member) => identical(expected, member.external.peek(primary)));
  }
}

function sameDigests(expected: FlowCache, actual: FlowCache | undefined): boolean {
  if (actual === undefined) return expected.size === 0;
  if (actual.size !== expected.size) return false;
  for (let b = 0; b < expected.bucketCount; b++) if (expected.bucketDigest(b) !== actual.bucketDigest(b)) return false;
  return true;
}

/** Number of keys missing, extra or with another stateHash (0: identical tables). */
export function differences(expected: FlowCache, actual: FlowCache | undefined): number {
  if (actual === undefined) return expected.size;
  return countDifferences(expected, actual);
}

/** Exactly equal tables; bucket digests first, as a cheap necessary condition. */
export function identical(expected: FlowCache, actual: FlowCache | undefined): boolean {
  if (actual === undefined) return expected.size === 0;
  return sameDigests(expected, actual) && countDifferences(expected, actual) === 0;
}

function countDifferences(expected: FlowCache, actual: FlowCache): number {
  let diff = 0;
  for (const flow of expected.values()) {
    const other = actual.get(flow.record.table, flow.record.key);
    if (other === undefined || other.record.stateHash !== flow.record.stateHash) diff++;
  }
  for (const flow of actual.values()) if (expected.get(flow.record.table, flow.record.key) === undefined) diff++;
  return diff;
}

/** A reproducible stream of changes over a table of ids [0, idSpace). */
export class ChangeStream {
  private readonly prng: Prng;
  private readonly versions = new Map<number, number>();

  constructor(
    seed: number,
    private readonly idSpace: number,
    /** The record of a flow id at a version (default: synthetic, makeRecord). */
    private readonly make: (id: number, version: number) => FlowRecord = makeRecord,
  ) {
    this.prng = new Prng(seed);
  }

  initial(count: number): FlowRecord[] {
    const records: FlowRecord[] = [];
    for (let id = 0; id < count; id++) {
      this.versions.set(id, 1);
      records.push(this.make(id, 1));
    }
    return records;
  }

  /** 70 % sets (updates or new flows), 30 % deletes of existing flows. */
  next(): RecordChange {
    const id = this.prng.below(this.idSpace);
    const version = this.versions.get(id);
    if (version !== undefined && this.prng.next() < 0.3) {
      this.versions.delete(id);
      const record = this.make(id, version);
      return { op: 'delete', table: record.table, key: record.key };
    }
    const next = (version ?? 0) + 1;
    this.versions.set(id, next);
    return { op: 'set', record: this.make(id, next) };
  }
}

/**
 * Feeds `perMs` changes per simulated millisecond for `ms` milliseconds into the current node
 * `primary` (looked up each millisecond: it may be restarted), running `at[t]` hooks on the way.
 */
export function streamChanges(
  sim: SimCluster,
  primary: number,
  changes: ChangeStream,
  run: { readonly ms: number; readonly perMs: number; readonly at?: Readonly<Record<number, () => void>> },
): void {
  for (let t = 0; t < run.ms; t++) {
    run.at?.[t]?.();
    const node = sim.member(primary).node;
    for (let i = 0; i < run.perMs; i++) node.localChange(changes.next());
    sim.clock.advance(1);
  }
}

/** Simulated ms until every other node holds exactly `primary`'s table (undefined: not within limitMs). */
export function settle(sim: SimCluster, primary: number, limitMs: number): number | undefined {
  return sim.clock.advanceUntil(() => sim.allInSync(primary), limitMs, 10);
}

/**
 * Loses each datagram `lose` picks (by message type, header sequence number and sender), counting
 * the primary's data frames lost.
 */
export function lossyTap(sim: SimCluster, primary: SimMember, lose: (type: Message['type'], seq: number, from: string) => boolean) {
  const lost = { data: 0 };
  sim.network.tap((frame, from) => {
    const decoded = decodeFrame(sim.keys, frame);
    const type = decoded.ok ? decoded.message.type : undefined;
    const dropped = type !== undefined && lose(type, decoded.ok ? decoded.header.seq : 0, from);
    if (dropped && type === 'data' && from === primary.address) lost.data++;
    sim.network.setConditions({ loss: dropped ? 1 : 0 });
  });
  return lost;
}

/** A kernel's table in direct-mode tests: what onExternalChange wrote, by recordHex. */
export type SimKernel = Map<string, FlowRecord>;

/** A record's table and key in hex: the identity of a connection in a SimKernel. */
export const recordHex = (r: { readonly table: number; readonly key: Uint8Array }): string => `${r.table}:${Buffer.from(r.key).toString('hex')}`;

/** The delete of `r`'s connection. */
export const deleteOf = (r: FlowRecord): RecordChange => ({ op: 'delete', table: r.table, key: r.key });

/** Writes `change` into `kernel` as the kernel would. */
export function applyToKernel(kernel: SimKernel, change: RecordChange): void {
  if (change.op === 'set') kernel.set(recordHex(change.record), change.record);
  else kernel.delete(recordHex(change));
}

/**
 * A takeover in external-cache mode, as the daemon's failover plan runs it: commit the copies
 * (the one that stopped sending longest ago first), forget the frozen ones, re-read the table
 * (`window` runs before: what the kernel does while no event is followed, a standby's way), note
 * as closed what the commit wrote and the re-read did not find (DaemonFailoverExecutor), send.
 */
export function simTakeover(m: SimMember, kernel: SimKernel, window: (kernel: SimKernel) => void = () => undefined): void {
  m.node.takeoverBegins();
  const committed = new Map<string, FlowRecord>();
  for (const origin of m.node.originsByLastSending()) for (const flow of m.external.peek(origin)?.values() ?? []) committed.set(recordHex(flow.record), flow.record);
  for (const [hex, record] of committed) kernel.set(hex, record);
  m.node.forgetFrozenCopies();
  window(kernel);
  m.node.reconcileTable([...kernel.values()]);
  for (const [hex, record] of committed) if (!kernel.has(hex)) m.node.noteOwnClose(record.table, record.key);
  m.node.becomeSender();
}

/**
 * One round of the daemon's FrozenCopyUpkeep on a sender: a create-only merge, the table re-read,
 * then the copies forgotten; returns the connections it created. Synchronous: nothing arrives
 * while it merges, so a copy kept for another round (the daemon's asynchronous merge) is covered
 * by frozen-copies.test.ts and commit-window.test.ts instead.
 */
export function frozenCopyUpkeep(m: SimMember, kernel: SimKernel): number {
  if (m.node.role !== 'sender') return 0;
  const overlapped = m.node.overlappedCopies();
  const records = overlapped.length > 0 ? m.external.changedSince(overlapped, (flow) => m.internal.has(flow.record.table, flow.record.key) || m.node.closedSince(flow)) : [];
  if (records.length === 0) {
    m.node.forgetFrozenCopies();
    return 0;
  }
  let created = 0;
  for (const record of records) {
    if (kernel.has(recordHex(record))) continue;
    kernel.set(recordHex(record), record);
    created++;
  }
  m.node.reconcileTable([...kernel.values()]);
  m.node.forgetFrozenCopies(overlapped.map((o) => o.origin));
  return created;
}

/** `m`'s kernel closes `records`, and `m` finds it in a dump of `kernel` (its events lost). */
export function closeByDump(m: SimMember, kernel: SimKernel, records: readonly FlowRecord[]): void {
  for (const record of records) kernel.delete(recordHex(record));
  m.node.reconcileTable([...kernel.values()]);
}

/**
 * `m` closes `records` (gone from `kernel`, found by a dump) and then forgets those closes, as a
 * busy node does once OWN_CLOSES_MAX later closes (connections it never held here) push them out
 * of its memory: a merge no longer leaves them out (SyncNode.closedSince).
 */
export function closeAndForget(m: SimMember, kernel: SimKernel, records: readonly FlowRecord[]): void {
  closeByDump(m, kernel, records);
  for (let id = 0; id < OWN_CLOSES_MAX; id++) m.node.localChange(deleteOf(makeRecord(900_000_000 + id, 1)));
}

/** `seconds` of the daemon's once-a-second upkeep on `m` (frozenCopyUpkeep); returns the connections it created. */
export function upkeepSeconds(sim: SimCluster, m: SimMember, kernel: SimKernel, seconds: number): number {
  let created = 0;
  for (let i = 0; i < seconds; i++) {
    sim.clock.advance(1000);
    created += frozenCopyUpkeep(m, kernel);
  }
  return created;
}

/** `m` steps down (MASTER to BACKUP): it stops sending, and the daemon clears its table. */
export function stepDown(m: SimMember): void {
  m.node.becomeReceiver();
  m.internal.clear();
}

/** `count` changes of `changes` served by `m`, a frame flushed every 20 (with a cut link, enough to overflow a small resend queue). */
export function serveChanges(m: SimMember, changes: ChangeStream, count: number): void {
  for (let i = 0; i < count; i++) {
    m.node.localChange(changes.next());
    if (i % 20 === 0) m.node.flush();
  }
  m.node.flush();
}
