// The messages a HALF sync frame carries (the body, after decryption). A data frame carries
// stream entries: they are numbered by the frame's sequence number, acknowledged, resent on
// NACK and applied in order. Every other message is control: never resent, never numbered.
// Model: conntrack-tools' NET_T_STATE_* / NET_F_* message kinds (include/network.h).
import type { BucketScope } from '../cache/bucket-scope.js';
import type { FlowRecord, Table } from '../model/record.js';

export const MessageType = {
  data: 1,
  ack: 2,
  nack: 3,
  alive: 4,
  hello: 5,
  syncRequest: 6,
  join: 7,
  skip: 8,
} as const;

export const EntryKind = {
  set: 1,
  delete: 2,
  resyncBegin: 3,
  resyncEnd: 4,
  digest: 5,
  /** A set whose record travels in its packing's compact form (model/record-packing.ts). */
  setPacked: 6,
} as const;

export type Role = 'sender' | 'receiver';

export type StreamEntry =
  | { readonly kind: 'set'; readonly record: FlowRecord }
  | { readonly kind: 'delete'; readonly table: Table; readonly key: Uint8Array }
  /** Marks the scope in the receiver's cache of this origin; sets clear marks. */
  | { readonly kind: 'resyncBegin'; readonly job: number; readonly scope: BucketScope }
  /** Deletes what is still marked by the matching begin. */
  | { readonly kind: 'resyncEnd'; readonly job: number; readonly scope: BucketScope }
  /** Anti-entropy: the sender's bucket digests at this point of the stream. */
  | {
      readonly kind: 'digest';
      readonly bucketBits: number;
      readonly firstBucket: number;
      readonly digests: readonly bigint[];
    };

/** An inclusive range of sequence numbers (from may be after to across the 2^32 wrap). */
export interface SeqRange {
  readonly from: number;
  readonly to: number;
}

/** Control messages name the peer (and its boot epoch) they are meant for. */
interface Targeted {
  readonly target: number;
  readonly targetEpoch: number;
}

export type Message =
  | { readonly type: 'data'; readonly entries: readonly StreamEntry[] }
  /** Everything up to and including `upTo` was received. */
  | ({ readonly type: 'ack'; readonly upTo: number } & Targeted)
  | ({ readonly type: 'nack'; readonly ranges: readonly SeqRange[] } & Targeted)
  | { readonly type: 'alive'; readonly role: Role }
  | { readonly type: 'hello'; readonly role: Role }
  /** Full scope: (re)join the target's stream from a full resync; buckets: repair those. */
  | ({ readonly type: 'syncRequest'; readonly scope: BucketScope } & Targeted)
  /** Apply the sender's stream from `start` on. */
  | ({ readonly type: 'join'; readonly start: number } & Targeted)
  /** Frames before `to` are gone; continue from `to` (their content is resynced). */
  | ({ readonly type: 'skip'; readonly to: number } & Targeted);

export const MAX_NACK_RANGES = 64;
export const MAX_KEY_BYTES = 0xffff;
export const MAX_PAYLOAD_BYTES = 0xffff;
