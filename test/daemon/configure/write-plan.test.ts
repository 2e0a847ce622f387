import { describe, expect, it } from 'vitest';
import { withOnly } from '../../../daemon/src/configure/generated-registry.js';
import { planWrites, type Target } from '../../../daemon/src/configure/write-plan.js';

const KA = '/etc/keepalived/keepalived.conf';
const target = (content: string): Target => ({ path: KA, content, mode: 0o644 });
const state = (main?: string, beside?: string) => new Map([[KA, main], [`${KA}.half`, beside]]);

describe('planWrites', () => {
  it('writes a missing file and registers it', () => {
    const plan = planWrites([target('v1')], state(), new Map());
    expect(plan.actions).toEqual([{ kind: 'write', path: KA, content: 'v1', mode: 0o644 }]);
    expect(plan.outcomes).toEqual([{ path: KA, outcome: 'written' }]);
    expect(plan.registry.get(KA)?.size).toBe(1);
    expect(plan.messages).toEqual([]);
  });

  it('rewrites a file that is still what HALF wrote, and does nothing when nothing changed', () => {
    const registry = withOnly(new Map(), KA, 'v1');
    expect(planWrites([target('v2')], state('v1'), registry).actions).toEqual([{ kind: 'write', path: KA, content: 'v2', mode: 0o644 }]);
    const same = planWrites([target('v1')], state('v1'), registry);
    expect(same.actions).toEqual([]);
    expect(same.outcomes).toEqual([{ path: KA, outcome: 'unchanged' }]);
  });

  it('leaves an admin\'s own file alone and puts HALF\'s version beside it, with a message', () => {
    const plan = planWrites([target('v1')], state('# my own keepalived.conf\n'), new Map());
    expect(plan.actions).toEqual([{ kind: 'write', path: `${KA}.half`, content: 'v1', mode: 0o644 }]);
    expect(plan.outcomes).toEqual([{ path: KA, outcome: 'kept-foreign', beside: `${KA}.half` }]);
    expect(plan.messages).toEqual([expect.stringContaining(`${KA} was not written by HALF, so it was left alone; HALF's version is ${KA}.half`)]);
    expect(plan.registry.has(KA)).toBe(false);
    expect(plan.registry.has(`${KA}.half`)).toBe(true);
  });

  it('keeps a local edit: silently while HALF\'s version is the same, beside it when it changed', () => {
    const registry = withOnly(new Map(), KA, 'v1');
    const quiet = planWrites([target('v1')], state('v1 + my edit'), registry);
    expect(quiet.actions).toEqual([]);
    expect(quiet.outcomes).toEqual([{ path: KA, outcome: 'kept-edited' }]);
    expect(quiet.messages).toEqual([]);
    const loud = planWrites([target('v2')], state('v1 + my edit'), registry);
    expect(loud.actions).toEqual([{ kind: 'write', path: `${KA}.half`, content: 'v2', mode: 0o644 }]);
    expect(loud.messages).toEqual([expect.stringContaining('was changed locally since HALF wrote it, so your changes were kept')]);
  });

  it('removes its stale .half file once the main file is HALF\'s again', () => {
    const registry = withOnly(new Map(), `${KA}.half`, 'v1');
    const plan = planWrites([target('v2')], state(undefined, 'v1'), registry);
    expect(plan.actions).toEqual([{ kind: 'write', path: KA, content: 'v2', mode: 0o644 }, { kind: 'remove', path: `${KA}.half` }]);
    expect([...plan.registry.keys()]).toEqual([KA]);
    // A .half file HALF did not write is never removed.
    expect(planWrites([target('v2')], state(undefined, 'mine'), new Map()).actions).toEqual([{ kind: 'write', path: KA, content: 'v2', mode: 0o644 }]);
  });
});
