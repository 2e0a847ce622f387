// The create-or-update logic of a commit as data (plan, then apply: the writer only sends what
// this module decides). Each op starts as one request; the kernel's answer (0 or an errno)
// either settles it or names the request to retry:
//
//   create          0 created | EEXIST -> update (in a commit: delete-orig)
//                   | ENOENT with a master -> create-nomaster | EOPNOTSUPP with a helper
//                   -> create-nohelper
//   create-nomaster 0 created-without-master | EEXIST -> update
//   create-nohelper 0 created-without-helper | EEXIST -> update (the helper is not on this
//                   node: the connection survives, what its helper would have expected does not)
//   update          0 updated | EBUSY (a status bit that cannot change) -> update-nostatus
//                   | ENOENT -> delete-reply | ENOSPC for an entry without labels:
//                   updated (the labels that clear the copy's, sent last and applied last, found
//                   no labels extension: the copy has no labels either)
//   update-nostatus 0 updated | ENOSPC for an entry without labels: updated
//   delete-orig     0 or ENOENT -> create-replaced
//   create-replaced 0 replaced | EEXIST -> delete-reply (another entry holds the reply tuple)
//                   | ENOENT with a master -> create-nomaster | EOPNOTSUPP with a helper
//                   -> create-nohelper
//   delete-reply    0 or ENOENT -> create-again
//   create-again    0 replaced | ENOENT with a master -> create-nomaster | EOPNOTSUPP with a
//                   helper -> create-nohelper
//   delete          0 deleted | ENOENT absent
//   exp-create      0 -> exp-timeout (the kernel ignores the timeout on create) | EEXIST -> exp-update
//   exp-timeout     anything: created (it exists, with its helper's default lifetime at worst)
//   exp-update      0 updated | ENOENT -> exp-create
//   exp-delete      0 deleted | ENOENT absent
//
// An expectation whose master's zone is of the reply direction alone starts with exp-update: a
// create looks for it under the zone that finds the master (0), not under the one it is held by,
// and the kernel would replace it (a new expectation, a DESTROY of the old) instead of answering
// EEXIST.
//
// An update only follows a create that found the entry (EEXIST), and the kernel answers EEXIST
// when either tuple is taken (nf_conntrack_hash_check_insert). ENOENT to the update, which looks
// the entry up by its original tuple, means the entry went meanwhile, or the reply tuple is
// another entry's: a stale connection whose NAT mapping clashes (a node's own leftovers at a
// failback before its purge, a delete still queued behind the set in direct mode). Looked up by
// its reply tuple, that entry is deleted (the copy being committed is the live connection), and
// the create is made once more; an EEXIST then is final.
//
// An update changes neither the NAT mapping (the reply tuple) of the entry it finds by its
// original tuple (ctnetlink_change_conntrack refuses NAT, and __nf_ct_change_status leaves the NAT
// status bits as they are without a word) nor its helper (none can be attached to an existing
// entry). A commit (replaces: a takeover, `half commit`) therefore replaces the entry a create
// finds, delete by original tuple and create, rather than update it: the entry there may be an
// older connection under the same original tuple with another mapping or none (a NATed UDP
// tunnel recreated on the peer after a timeout, then a failback within the purge delay), or
// without the copy's helper, and an update would keep its mapping, or leave the connection
// without its helper and fail its expectations, under a report of "updated". Whether the copy
// is NATed says nothing of the entry found, so every found entry is replaced. Reading each entry
// first to compare (a get, one answer each; or a dump) cost more than the replacement's extra
// delete (measured by hand on 30k held entries: about twice as much). At a takeover such an
// entry is a standby's leftover, its expectations (deleted with it) come back with the
// expectation phase, and its counters and start time are the only state lost. Direct mode
// updates: the entries it finds are the ones it created.
//
// A merge (createOnly: the copy of a peer that served connections alongside this node, committed
// once it stops) creates what the kernel lacks and leaves what it holds as it is: EEXIST to any
// create settles as `kept`. This node's own entry is the live one; the copy's is older. (An
// expectation that starts with exp-update, below, is still updated: a create cannot find it.)
//
// Ops run in three phases so masters exist before what depends on them: conntrack ops without
// a master (in the order given), conntrack sets with a master, then expectations.
import { constants } from 'node:os';
import type { KernelOp, OpAction, OpResult } from './kernel-roles.js';

/** What the plan needs to know about an op (from a KernelOp, or from a record's payload). */
export interface OpTraits {
  readonly op: KernelOp['op'];
  /** A conntrack set whose entry names a master connection. */
  readonly hasMaster: boolean;
  /** An expectation set that carries a timeout to apply after creating. */
  readonly hasTimeout: boolean;
  /** A conntrack set whose entry carries labels. */
  readonly hasLabels: boolean;
  /** A conntrack set whose entry names a helper. */
  readonly hasHelper?: boolean;
  /** An expectation set tried as an update first (its master's zone is of the reply direction alone). */
  readonly updateFirst?: boolean;
  /** A merge: what the kernel holds already is kept as it is (EEXIST settles as `kept`). */
  readonly createOnly?: boolean;
  /** A commit: the entry a create finds is replaced (delete-orig, create-replaced), not updated. */
  readonly replaces?: boolean;
}

export function traitsOf(op: KernelOp): OpTraits {
  return {
    op: op.op,
    hasMaster: op.op === 'set' && op.entry.master !== undefined,
    hasTimeout: op.op === 'set-expectation' && op.expectation.timeout !== undefined,
    hasLabels: op.op === 'set' && op.entry.labels !== undefined && op.entry.labels.length > 0,
    hasHelper: op.op === 'set' && op.entry.helper !== undefined,
    ...(op.op === 'set-expectation' && op.expectation.masterReplyZone !== undefined ? { updateFirst: true } : {}),
  };
}

export type RequestKind =
  | 'create' | 'create-nomaster' | 'create-nohelper' | 'update' | 'update-nostatus' | 'delete-orig' | 'create-replaced' | 'delete-reply' | 'create-again' | 'delete'
  | 'exp-create' | 'exp-timeout' | 'exp-update' | 'exp-delete';

export type Step = { readonly done: OpResult } | { readonly retry: RequestKind };

const errno = constants.errno;

// Settled steps are shared, frozen values: a commit of 200k entries should not allocate 400k.
const done = (action: OpAction): Step => Object.freeze({ done: Object.freeze({ ok: true as const, action }) });
const CREATED = done('created');
const CREATED_WITHOUT_MASTER = done('created-without-master');
const CREATED_WITHOUT_HELPER = done('created-without-helper');
const REPLACED = done('replaced');
const UPDATED = done('updated');
const DELETED = done('deleted');
const ABSENT = done('absent');
const KEPT = done('kept');
const retry = (kind: RequestKind): Step => Object.freeze({ retry: kind });
const RETRY: Readonly<Record<RequestKind, Step>> = {
  create: retry('create'), 'create-nomaster': retry('create-nomaster'), 'create-nohelper': retry('create-nohelper'), update: retry('update'), 'update-nostatus': retry('update-nostatus'),
  'delete-orig': retry('delete-orig'), 'create-replaced': retry('create-replaced'),
  'delete-reply': retry('delete-reply'), 'create-again': retry('create-again'),
  delete: retry('delete'), 'exp-create': retry('exp-create'), 'exp-timeout': retry('exp-timeout'), 'exp-update': retry('exp-update'), 'exp-delete': retry('exp-delete'),
};

export function firstRequest(op: OpTraits): RequestKind {
  switch (op.op) {
    case 'set':
      return 'create';
    case 'delete':
      return 'delete';
    case 'set-expectation':
      return op.updateFirst === true ? 'exp-update' : 'exp-create';
    case 'delete-expectation':
      return 'exp-delete';
  }
}

/** The phase (0, 1, 2) an op runs in. */
export function phaseOf(op: OpTraits): number {
  if (op.op === 'set-expectation' || op.op === 'delete-expectation') return 2;
  return op.hasMaster ? 1 : 0;
}

/** What to do after the kernel answered `error` (0 = success) to a request of `kind`. */
export function nextStep(kind: RequestKind, error: number, op: OpTraits): Step {
  if (error === errno.EEXIST && op.createOnly === true && (kind === 'create' || kind === 'create-nomaster' || kind === 'create-nohelper' || kind === 'exp-create')) return KEPT;
  switch (kind) {
    case 'create':
      if (error === 0) return CREATED;
      if (error === errno.EEXIST) return existing(op);
      if (error === errno.ENOENT && op.hasMaster) return RETRY['create-nomaster'];
      if (error === errno.EOPNOTSUPP && op.hasHelper === true) return RETRY['create-nohelper'];
      break;
    case 'create-nohelper':
      if (error === 0) return CREATED_WITHOUT_HELPER;
      if (error === errno.EEXIST) return RETRY['update'];
      break;
    case 'create-nomaster':
      if (error === 0) return CREATED_WITHOUT_MASTER;
      if (error === errno.EEXIST) return RETRY['update'];
      break;
    case 'delete-orig':
      if (error === 0 || error === errno.ENOENT) return RETRY['create-replaced'];
      break;
    case 'create-replaced':
      if (error === 0) return REPLACED;
      // the reply tuple is another stale entry's (a NAT clash): that one goes too
      if (error === errno.EEXIST) return RETRY['delete-reply'];
      if (error === errno.ENOENT && op.hasMaster) return RETRY['create-nomaster'];
      if (error === errno.EOPNOTSUPP && op.hasHelper === true) return RETRY['create-nohelper'];
      break;
    case 'update':
      if (error === 0) return UPDATED;
      if (error === errno.EBUSY) return RETRY['update-nostatus'];
      if (error === errno.ENOENT) return RETRY['delete-reply'];
      if (error === errno.ENOSPC && !op.hasLabels) return UPDATED;
      break;
    case 'update-nostatus':
      if (error === 0 || (error === errno.ENOSPC && !op.hasLabels)) return UPDATED;
      break;
    case 'delete-reply':
      if (error === 0 || error === errno.ENOENT) return RETRY['create-again'];
      break;
    case 'create-again':
      if (error === 0) return REPLACED;
      if (error === errno.ENOENT && op.hasMaster) return RETRY['create-nomaster'];
      if (error === errno.EOPNOTSUPP && op.hasHelper === true) return RETRY['create-nohelper'];
      break;
    case 'delete':
    case 'exp-delete':
      if (error === 0) return DELETED;
      if (error === errno.ENOENT) return ABSENT;
      break;
    case 'exp-create':
      if (error === 0) return op.hasTimeout ? RETRY['exp-timeout'] : CREATED;
      if (error === errno.EEXIST) return RETRY['exp-update'];
      break;
    case 'exp-timeout':
      return CREATED;
    case 'exp-update':
      if (error === 0) return UPDATED;
      if (error === errno.ENOENT) return RETRY['exp-create'];
      break;
  }
  return { done: failure(kind, error) };
}

/** The step after a create found the entry there (EEXIST). */
function existing(op: OpTraits): Step {
  return op.replaces === true ? RETRY['delete-orig'] : RETRY['update'];
}

export function failure(kind: RequestKind, error: number, detail?: string): OpResult {
  return { ok: false, errno: error, code: errnoName(error), reason: detail ?? reasonOf(kind, error) };
}

/** Of two names for one number, the one the kernel's sources use for what ctnetlink answers. */
const PREFERRED: Readonly<Record<number, string>> = { [errno.EOPNOTSUPP]: 'EOPNOTSUPP', [errno.EAGAIN]: 'EAGAIN' };

export function errnoName(error: number): string {
  const preferred = PREFERRED[error];
  if (preferred !== undefined) return preferred;
  for (const [name, value] of Object.entries(errno)) if (value === error) return name;
  return `errno ${error}`;
}

function reasonOf(kind: RequestKind, error: number): string {
  const what = kind.startsWith('exp-') ? 'expectation' : 'conntrack entry';
  const known: Record<number, string> = {
    [errno.EINVAL]: `the kernel rejected the ${what} as invalid (EINVAL)`,
    [errno.ERANGE]: `a value of the ${what} is out of the kernel's range (ERANGE), e.g. an unknown protocol state`,
    [errno.ENOENT]: kind === 'exp-create' ? 'the master connection of the expectation does not exist (ENOENT)' : `no such ${what} (ENOENT)`,
    [errno.EEXIST]: kind === 'create-again' ? 'another conntrack entry holds its reply tuple (a NAT clash) and came back after it was deleted (EEXIST)' : `the ${what} exists (EEXIST)`,
    [errno.EBUSY]: `the kernel refused a status change on the ${what} (EBUSY)`,
    [errno.EOPNOTSUPP]: `the kernel does not support part of the ${what}: helper, NAT or protocol missing (EOPNOTSUPP)`,
    [errno.ENOMEM]: `out of memory for the ${what} (ENOMEM): table full? check nf_conntrack_max`,
    [errno.ENOSPC]: `no room for labels on the ${what} (ENOSPC): the node uses no connlabels`,
  };
  return known[error] ?? `the kernel answered ${errnoName(error)} to the ${kind} request`;
}
