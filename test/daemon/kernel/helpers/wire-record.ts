// Records as JSON for the kernel agent's requests and answers (kernel-agent.ts): bytes in base64,
// the state hash as a decimal string.
import type { FlowRecord, Table } from '../../../../daemon/src/model/record.js';

export interface WireRecord {
  readonly table: number;
  readonly key: string;
  readonly payload: string;
  readonly stateHash: string;
}

export function toWire(r: FlowRecord): WireRecord {
  return { table: r.table, key: Buffer.from(r.key).toString('base64'), payload: Buffer.from(r.payload).toString('base64'), stateHash: r.stateHash.toString() };
}

export function fromWire(w: WireRecord): FlowRecord {
  return { table: w.table as Table, key: Buffer.from(w.key, 'base64'), payload: Buffer.from(w.payload, 'base64'), stateHash: BigInt(w.stateHash) };
}
