// Throughput of the sync protocol layer on one core, without sockets (CPU time, so other load on
// the machine does not count): a sender and a receiver SyncNode joined by an in-memory channel.
// Measured: the primary's path (internal cache, framing, AES-256-GCM sealing), the standby's path
// (opening, decoding, sequence and replay checks, external cache), both together on one core
// with ACKs, and each stage alone.
// Run: node --expose-gc --import tsx bench/sync-protocol.ts [records]
import { performance } from 'node:perf_hooks';
import { ExternalCaches } from '../daemon/src/cache/external-caches.js';
import { FlowCache } from '../daemon/src/cache/flow-cache.js';
import type { Channel, FrameHandler } from '../daemon/src/channel/channel.js';
import type { FlowRecord } from '../daemon/src/model/record.js';
import { Table } from '../daemon/src/model/record.js';
import { FakeClock } from '../daemon/src/sync/fake-clock.js';
import { maxBodyBytes, DEFAULT_SYNC_OPTIONS } from '../daemon/src/sync/options.js';
import { SyncNode } from '../daemon/src/sync/sync-node.js';
import { DataBodyBuilder } from '../daemon/src/wire/data-body.js';
import { openBody, sealBody } from '../daemon/src/wire/frame-codec.js';
import { WIRE_VERSION } from '../daemon/src/wire/frame-header.js';
import { FrameKeys } from '../daemon/src/wire/keys.js';
import { decodeMessage } from '../daemon/src/wire/message-codec.js';

export interface SyncBenchResult {
  readonly records: number;
  readonly payloadBytes: number;
  /** Records per CPU second on the primary: internal cache, framing, sealing. */
  readonly senderPerSecond: number;
  /** Records per CPU second on a standby: opening, decoding, replay/sequence checks, external cache. */
  readonly receiverPerSecond: number;
  /** Records per CPU second with both nodes (and their ACK traffic) on the same core. */
  readonly endToEndPerSecond: number;
  readonly framesPerRecord: number;
  readonly encodeSealPerSecond: number;
  readonly openDecodePerSecond: number;
  readonly cacheSetPerSecond: number;
}

/** A conntrack-sized record: 37-byte key (tuple + zone), ~150-byte payload. */
function record(id: number, version: number, payloadBytes: number): FlowRecord {
  const key = new Uint8Array(37);
  const view = new DataView(key.buffer);
  view.setUint32(0, id);
  view.setUint32(4, (0xc6336400 | (id & 0xff)) >>> 0);
  const payload = new Uint8Array(payloadBytes);
  new DataView(payload.buffer).setUint32(0, version);
  payload[4] = id & 0xff;
  return { table: Table.conntrack, key, payload, stateHash: (BigInt(id) << 20n) ^ BigInt(version) };
}

/** Two channels wired to each other. `capture` keeps a->b frames instead of delivering them. */
function loopback(): { a: Channel; b: Channel; drain: () => number; capture: Uint8Array[] | undefined; deliver: (frame: Uint8Array) => void; mode: { capture: boolean } } {
  const queue: { to: 0 | 1; frame: Uint8Array }[] = [];
  const handlers: (FrameHandler | undefined)[] = [undefined, undefined];
  const captured: Uint8Array[] = [];
  const mode = { capture: false };
  const push = (self: 0 | 1, frame: Uint8Array): void => {
    if (!mode.capture) queue.push({ to: self === 0 ? 1 : 0, frame });
    else if (self === 0) captured.push(frame);
  };
  const make = (self: 0 | 1): Channel => ({
    send: (frame) => push(self, frame),
    sendOnEveryLink: (makeFrame) => push(self, makeFrame(0)),
    onMessage: (handler) => void (handlers[self] = handler),
    onError: () => undefined,
    close: async () => undefined,
  });
  const drain = (): number => {
    let delivered = 0;
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      handlers[next.to]?.(next.frame, next.to === 0 ? '192.0.2.1' : '192.0.2.2');
      delivered++;
    }
    return delivered;
  };
  return { a: make(0), b: make(1), drain, capture: captured, deliver: (frame) => void handlers[1]?.(frame, '192.0.2.1'), mode };
}

function cpuSeconds(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** A joined sender/receiver pair on a loopback channel. */
function pair(): { sender: SyncNode; external: ExternalCaches; clock: FakeClock; link: ReturnType<typeof loopback> } {
  const keys = new FrameKeys(Buffer.alloc(32, 7), 1);
  const clock = new FakeClock();
  const link = loopback();
  const sender = new SyncNode({ clock, channel: link.a, keys, nodeId: 1, bootEpoch: 1, role: 'sender', acceptSource: () => true, internal: new FlowCache(), external: new ExternalCaches() });
  const external = new ExternalCaches();
  const receiver = new SyncNode({ clock, channel: link.b, keys, nodeId: 2, bootEpoch: 1, role: 'receiver', acceptSource: () => true, internal: new FlowCache(), external });
  sender.start();
  receiver.start();
  for (let i = 0; i < 10; i++) {
    link.drain();
    clock.advance(10);
  }
  return { sender, external, clock, link };
}

function feed(sender: SyncNode, clock: FakeClock, input: readonly FlowRecord[], after: () => void): void {
  for (let i = 0; i < input.length; i += 1000) {
    for (let j = i; j < Math.min(input.length, i + 1000); j++) sender.localChange({ op: 'set', record: input[j] as FlowRecord });
    sender.flush();
    after();
    clock.advance(1);
  }
}

/** Releases the previous phase's heap before the next one (when node runs with --expose-gc). */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function inputs(records: number, version: number, payloadBytes: number): FlowRecord[] {
  return Array.from({ length: records }, (_, i) => record(i, version, payloadBytes));
}

/** Each side alone: the primary's frames are captured, then fed to the standby. */
function sides(records: number, payloadBytes: number): { sender: number; receiver: number } {
  const input = inputs(records, 1, payloadBytes);
  const split = pair();
  split.link.mode.capture = true;
  const sender = cpuSeconds(() => feed(split.sender, split.clock, input, () => undefined));
  const frames = split.link.capture ?? [];
  const receiver = cpuSeconds(() => {
    for (const frame of frames) split.link.deliver(frame);
  });
  if (split.external.peek(1)?.size !== records) throw new Error(`bench: the receiver holds ${split.external.peek(1)?.size} of ${records} records`);
  return { sender, receiver };
}

/** Both nodes on one core, with ACKs flowing back. */
function together(records: number, payloadBytes: number): number {
  const input = inputs(records, 2, payloadBytes);
  const both = pair();
  const seconds = cpuSeconds(() => feed(both.sender, both.clock, input, () => both.link.drain()));
  if (both.external.peek(1)?.size !== records) throw new Error(`bench: the receiver holds ${both.external.peek(1)?.size} of ${records} records`);
  return seconds;
}

function stages(records: number, payloadBytes: number): { encodeSeal: number; openDecode: number; cacheSet: number; frames: number } {
  const input = inputs(records, 3, payloadBytes);
  const keys = new FrameKeys(Buffer.alloc(32, 7), 1);
  const builder = new DataBodyBuilder(maxBodyBytes(DEFAULT_SYNC_OPTIONS));
  const sealed: Buffer[] = [];
  let counter = 0;
  const seal = (): void => {
    sealed.push(sealBody(keys, { version: WIRE_VERSION, flags: 0, clusterId: 1, nodeId: 1, bootEpoch: 1, seq: counter, counter: counter++ }, builder.take()));
  };
  const encodeSeal = cpuSeconds(() => {
    for (const r of input) if (!builder.tryAdd({ kind: 'set', record: r })) (seal(), builder.tryAdd({ kind: 'set', record: r }));
    seal();
  });
  const openDecode = cpuSeconds(() => {
    for (const frame of sealed) {
      const opened = openBody(keys, frame);
      if (!opened.ok || decodeMessage(opened.body) === undefined) throw new Error('bench: frame did not decode');
    }
  });
  const cache = new FlowCache();
  const cacheSet = cpuSeconds(() => {
    for (const r of input) cache.set(r, 1, 0);
  });
  return { encodeSeal, openDecode, cacheSet, frames: sealed.length };
}

export function benchSyncProtocol(records = 200_000, payloadBytes = 150): SyncBenchResult {
  collect();
  const side = sides(records, payloadBytes);
  collect();
  const both = together(records, payloadBytes);
  collect();
  const stage = stages(records, payloadBytes);
  const perSecond = (seconds: number): number => Math.round(records / seconds);
  return {
    records,
    payloadBytes,
    senderPerSecond: perSecond(side.sender),
    receiverPerSecond: perSecond(side.receiver),
    endToEndPerSecond: perSecond(both),
    framesPerRecord: Number((stage.frames / records).toFixed(4)),
    encodeSealPerSecond: perSecond(stage.encodeSeal),
    openDecodePerSecond: perSecond(stage.openDecode),
    cacheSetPerSecond: perSecond(stage.cacheSet),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const records = Number(process.argv[2] ?? 200_000);
  const started = performance.now();
  const result = benchSyncProtocol(records);
  console.log(JSON.stringify({ ...result, wallMs: Math.round(performance.now() - started) }, null, 2));
}
