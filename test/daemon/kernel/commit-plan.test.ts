import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { errnoName, firstRequest, nextStep as next, phaseOf as phase, traitsOf } from '../../../daemon/src/kernel/commit-plan.js';
import type { KernelOp } from '../../../daemon/src/kernel/kernel-roles.js';
import { SAMPLE_ENTRIES, SAMPLE_EXPECTATION } from './helpers/sample-entries.js';

const { EEXIST, ENOENT, EBUSY, EINVAL, ENOSPC, EOPNOTSUPP } = constants.errno;
const nextStep = (kind: Parameters<typeof next>[0], error: number, op: KernelOp) => next(kind, error, traitsOf(op));
const phaseOf = (op: KernelOp) => phase(traitsOf(op));
const plain: KernelOp = { op: 'set', entry: SAMPLE_ENTRIES['udp'] as ConntrackEntry };
const child: KernelOp = { op: 'set', entry: SAMPLE_ENTRIES['ftpData'] as ConntrackEntry };
const exp: KernelOp = { op: 'set-expectation', expectation: SAMPLE_EXPECTATION };

describe('commit plan', () => {
  it('orders masters before what depends on them', () => {
    expect([plain, { op: 'delete', entry: plain.entry } as KernelOp, child, exp, { op: 'delete-expectation', expectation: SAMPLE_EXPECTATION } as KernelOp].map(phaseOf)).toEqual([0, 0, 1, 2, 2]);
    expect([plain, exp].map((op) => firstRequest(traitsOf(op)))).toEqual(['create', 'exp-create']);
  });

  it('turns an existing entry into an update, not an error', () => {
    expect(nextStep('create', EEXIST, plain)).toEqual({ retry: 'update' });
    expect(nextStep('update', 0, plain)).toEqual({ done: { ok: true, action: 'updated' } });
    expect(nextStep('update', EBUSY, plain)).toEqual({ retry: 'update-nostatus' });
    // gone meanwhile, or the reply tuple is another entry's: that one is deleted, the create made again
    expect(nextStep('update', ENOENT, plain)).toEqual({ retry: 'delete-reply' });
    expect(nextStep('delete-reply', 0, plain)).toEqual({ retry: 'create-again' });
    expect(nextStep('delete-reply', ENOENT, plain)).toEqual({ retry: 'create-again' });
    expect(nextStep('create-again', 0, plain)).toEqual({ done: { ok: true, action: 'replaced' } });
    expect(nextStep('create-again', EEXIST, plain)).toMatchObject({ done: { ok: false, code: 'EEXIST', reason: expect.stringMatching(/reply tuple \(a NAT clash\)/) } });
  });

  it('keeps, in a merge (createOnly), what the kernel holds already instead of updating it', () => {
    const merge = (kind: Parameters<typeof next>[0], error: number, op: KernelOp) => next(kind, error, { ...traitsOf(op), createOnly: true });
    const kept = { done: { ok: true, action: 'kept' } };
    expect(merge('create', EEXIST, plain)).toEqual(kept);
    expect(merge('create-nomaster', EEXIST, child)).toEqual(kept);
    expect(merge('create-nohelper', EEXIST, plain)).toEqual(kept);
    expect(merge('exp-create', EEXIST, exp)).toEqual(kept);
    // the rest of the plan is a commit's
    expect(merge('create', 0, plain)).toEqual({ done: { ok: true, action: 'created' } });
    expect(merge('create', ENOENT, child)).toEqual({ retry: 'create-nomaster' });
    expect(merge('create', EINVAL, plain)).toMatchObject({ done: { ok: false, code: 'EINVAL' } });
  });

  it('replaces, in a commit, the entry a create found, NATed copy or not, rather than update it (an update can change neither NAT nor helper)', () => {
    const natted: KernelOp = { op: 'set', entry: SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry };
    const commit = (kind: Parameters<typeof next>[0], error: number, op: KernelOp) => next(kind, error, { ...traitsOf(op), replaces: true });
    for (const op of [natted, plain]) {
      expect(commit('create', EEXIST, op)).toEqual({ retry: 'delete-orig' });
      expect(commit('delete-orig', 0, op)).toEqual({ retry: 'create-replaced' });
      expect(commit('delete-orig', ENOENT, op)).toEqual({ retry: 'create-replaced' });
      expect(commit('create-replaced', 0, op)).toEqual({ done: { ok: true, action: 'replaced' } });
      // the reply tuple is another stale entry's (a NAT clash): deleted by that tuple, created once more
      expect(commit('create-replaced', EEXIST, op)).toEqual({ retry: 'delete-reply' });
      // a create that went without its helper or master and found the entry updates it: no way back to delete-orig
      expect(commit('create-nohelper', EEXIST, op)).toEqual({ retry: 'update' });
      expect(commit('create-nomaster', EEXIST, op)).toEqual({ retry: 'update' });
      // in direct mode, the update goes ahead
      expect(nextStep('create', EEXIST, op)).toEqual({ retry: 'update' });
    }
    const helped: KernelOp = { op: 'set', entry: { ...(natted.entry as ConntrackEntry), helper: 'nosuchhelper' } };
    expect(commit('create-replaced', EOPNOTSUPP, helped)).toEqual({ retry: 'create-nohelper' });
    expect(commit('create-again', EOPNOTSUPP, helped)).toEqual({ retry: 'create-nohelper' });
  });

  it('takes ENOSPC to an update that clears labels as done, and to one that sets them as a failure', () => {
    const labelled: KernelOp = { op: 'set', entry: SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry };
    expect(nextStep('update', ENOSPC, plain)).toEqual({ done: { ok: true, action: 'updated' } });
    expect(nextStep('update-nostatus', ENOSPC, plain)).toEqual({ done: { ok: true, action: 'updated' } });
    expect(nextStep('update', ENOSPC, labelled)).toMatchObject({ done: { ok: false, code: 'ENOSPC' } });
    expect(nextStep('create', ENOSPC, plain)).toMatchObject({ done: { ok: false, code: 'ENOSPC' } });
  });

  it('recreates a related flow without its master when the master is gone', () => {
    expect(nextStep('create', ENOENT, child)).toEqual({ retry: 'create-nomaster' });
    expect(nextStep('create-nomaster', 0, child)).toEqual({ done: { ok: true, action: 'created-without-master' } });
    expect(nextStep('create', ENOENT, plain)).toMatchObject({ done: { ok: false, code: 'ENOENT' } });
  });

  it('sets the timeout of a new expectation in a second request', () => {
    expect(nextStep('exp-create', 0, exp)).toEqual({ retry: 'exp-timeout' });
    expect(nextStep('exp-timeout', EINVAL, exp)).toEqual({ done: { ok: true, action: 'created' } });
    expect(nextStep('exp-create', EEXIST, exp)).toEqual({ retry: 'exp-update' });
    expect(nextStep('exp-create', ENOENT, exp)).toEqual({ done: { ok: false, errno: ENOENT, code: 'ENOENT', reason: 'the master connection of the expectation does not exist (ENOENT)' } });
  });

  it("tries an expectation whose master's zone is of the reply direction alone as an update first", () => {
    const replyZoned: KernelOp = { op: 'set-expectation', expectation: { ...SAMPLE_EXPECTATION, zone: 0, masterReplyZone: 5 } };
    expect(firstRequest(traitsOf(replyZoned))).toBe('exp-update');
    expect(nextStep('exp-update', 0, replyZoned)).toEqual({ done: { ok: true, action: 'updated' } });
    expect(nextStep('exp-update', ENOENT, replyZoned)).toEqual({ retry: 'exp-create' });
    expect(nextStep('exp-create', 0, replyZoned)).toEqual({ retry: 'exp-timeout' });
  });

  it('treats deleting what is gone as done, and reports real failures with the errno', () => {
    expect(nextStep('delete', ENOENT, plain)).toEqual({ done: { ok: true, action: 'absent' } });
    expect(nextStep('exp-delete', 0, exp)).toEqual({ done: { ok: true, action: 'deleted' } });
    expect(nextStep('create', EINVAL, plain)).toEqual({ done: { ok: false, errno: EINVAL, code: 'EINVAL', reason: 'the kernel rejected the conntrack entry as invalid (EINVAL)' } });
    // 95 is ENOTSUP and EOPNOTSUPP on Linux: the name the reason gives, and the kernel's
    expect(nextStep('exp-create', EOPNOTSUPP, exp)).toMatchObject({ done: { ok: false, code: 'EOPNOTSUPP', reason: expect.stringContaining('(EOPNOTSUPP)') } });
    expect(errnoName(constants.errno.EAGAIN)).toBe('EAGAIN');
  });
});
