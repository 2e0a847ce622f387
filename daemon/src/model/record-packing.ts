// A compact form of records for the sync stream, supplied by the layer that knows what a payload
// holds (kernel/record-packing.ts for conntrack entries). The wire layer stays blind to payloads:
// it asks the packing for a record's compact form and falls back to key and payload as they are
// when there is none; a receiver asks the same packing for the record back, byte for byte.
import type { FlowRecord } from './record.js';

/** The largest compact form a packing may write (it travels with a one-byte length). */
export const MAX_PACKED_BYTES = 255;

export interface RecordPacking {
  /**
   * Writes the compact form of `record` at target[at] (target has MAX_PACKED_BYTES of room there)
   * and returns where it ends; -1 when the record has none (what was written is of no account).
   */
  pack(record: FlowRecord, target: Uint8Array, at: number): number;
  /** The record of the compact form in bytes[at, end): key, payload and state hash exactly as packed; undefined when malformed. */
  unpack(bytes: Uint8Array, at: number, end: number): FlowRecord | undefined;
}
