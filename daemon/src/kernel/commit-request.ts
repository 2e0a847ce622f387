// Encodes the request a commit step calls for (commit-plan.ts decides which) as one ctnetlink
// message with the given sequence number. Replies are matched back by that number.
import type { RequestKind } from './commit-plan.js';
import { encodeCreate, encodeDelete, encodeDeleteByReply, encodeUpdate, type CommitOptions } from './codec/ct-encode.js';
import { encodeExpectationCreate, encodeExpectationDelete, encodeExpectationUpdate } from './codec/exp-codec.js';
import type { AttrWriter } from './codec/netlink-attr.js';
import type { KernelOp } from './kernel-roles.js';

/** Throws EntryEncodeError when the op cannot be encoded (the caller settles it as failed). */
export function encodeRequest(w: AttrWriter, op: KernelOp, kind: RequestKind, seq: number, commit: CommitOptions): void {
  const flags = 0; // no NLM_F_ACK: the kernel answers failures anyway, a barrier closes the batch
  if (op.op === 'set') {
    if (kind === 'create' || kind === 'create-again' || kind === 'create-replaced') encodeCreate(w, op.entry, seq, flags, commit);
    else if (kind === 'delete-reply') encodeDeleteByReply(w, op.entry, seq, flags);
    else if (kind === 'delete-orig') encodeDelete(w, op.entry, seq, flags);
    else if (kind === 'create-nomaster') encodeCreate(w, op.entry, seq, flags, { ...commit, withoutMaster: true });
    else if (kind === 'create-nohelper') encodeCreate(w, op.entry, seq, flags, { ...commit, withoutHelper: true });
    else if (kind === 'update') encodeUpdate(w, op.entry, seq, flags, commit);
    else encodeUpdate(w, op.entry, seq, flags, { ...commit, withoutStatus: true });
  } else if (op.op === 'delete') {
    encodeDelete(w, op.entry, seq, flags);
  } else if (op.op === 'set-expectation') {
    if (kind === 'exp-create') encodeExpectationCreate(w, op.expectation, seq, flags);
    else encodeExpectationUpdate(w, op.expectation, seq, flags);
  } else {
    encodeExpectationDelete(w, op.expectation, seq, flags);
  }
}
