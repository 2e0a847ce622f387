// What the sync protocol replicates: keyed records with opaque payloads. The kernel layer
// (daemon/src/kernel/) turns conntrack entries and expectations into records and back; the
// cache, sync and wire layers never look inside a payload.

export const Table = {
  /** A conntrack entry (ctnetlink IPCTNL_MSG_CT_*). */
  conntrack: 1,
  /** An expectation (ctnetlink IPCTNL_MSG_EXP_*). */
  expectation: 2,
} as const;
export type Table = (typeof Table)[keyof typeof Table];

export interface FlowRecord {
  readonly table: Table;
  /**
   * Identity of the entry, stable across updates and nodes: for conntrack, the original tuple
   * and zone; for expectations, the expected tuple, mask and zone. Compared as bytes.
   */
  readonly key: Uint8Array;
  /** Everything needed to recreate the entry on a peer (ctnetlink attributes, encoded by kernel/). */
  readonly payload: Uint8Array;
  /**
   * Hash of the replicated state that must converge (excludes volatile parts such as the
   * remaining timeout and counters). Anti-entropy compares these; equal state, equal hash.
   */
  readonly stateHash: bigint;
}

/**
 * Records by index, made when asked: an array of records, or a cache's snapshot, which holds
 * no record object until one is asked for (what a commit of 200k entries walks).
 */
export interface IndexedRecords {
  readonly length: number;
  at(index: number): FlowRecord | undefined;
}

export type RecordChange =
  | { readonly op: 'set'; readonly record: FlowRecord }
  | { readonly op: 'delete'; readonly table: Table; readonly key: Uint8Array };
