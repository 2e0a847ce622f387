import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishError } from '../../../repo-tool/src/model/errors.js';
import type { Signer } from '../../../repo-tool/src/model/signer.js';
import { fixedClock } from '../../../repo-tool/src/publish/clock.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { LOCK_PATH } from '../../../repo-tool/src/publish/lock.js';
import { checkPool } from '../../../repo-tool/src/publish/pool-writer.js';
import { publish } from '../../../repo-tool/src/publish/publish.js';
import { defaultRepoConfig } from '../../../repo-tool/src/repo/config.js';
import type { RepoPlan } from '../../../repo-tool/src/repo/plan-model.js';
import { PENDING_PATH } from '../../../repo-tool/src/repo/state.js';
import { verifyRepository } from '../../../repo-tool/src/verify/verify.js';
import { planRound, publishRound } from '../repo/helpers/scenario.js';
import { makeTestKey } from '../repo/helpers/signer.js';
import type { TestKey } from '../repo/helpers/signer.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';
import { snapshotTree } from '../repo/helpers/tree.js';
import { SpyStorage } from './helpers.js';

const run = promisify(execFile);
const T0 = new Date('2026-11-20T10:00:00Z');
const T1 = new Date('2026-11-20T11:00:00Z');
// One suite keeps the number of failure points (each one a full publish attempt) small.
const CONFIG = { ...defaultRepoConfig, suites: [{ codename: 'trixie', suite: 'stable' }] };

describe('publish is all or nothing before the switch', () => {
  let dir: string;
  let out: string;
  let key: TestKey;
  let plan: RepoPlan;
  let before: Record<string, string>;
  beforeAll(async () => {
    dir = await makeTempDir('atomic');
    out = join(dir, 'repo');
    key = await makeTestKey();
    await publishRound(new LocalStorage(out), key.signer, dir, {
      date: T0,
      config: CONFIG,
      debs: [
        { name: 'half', version: '0.1.0', architecture: 'all' },
        { name: 'half-syncd', version: '0.1.0', architecture: 'amd64' },
      ],
    });
    plan = await planRound(new LocalStorage(out), dir, {
      date: T1,
      config: CONFIG,
      debs: [
        { name: 'half', version: '0.2.0', architecture: 'all' },
        { name: 'keepalived', version: '1:2.2.8-1~bpo12+1', architecture: 'amd64' },
      ],
    });
    before = await snapshotTree(out);
  });
  afterAll(async () => removeTempDir(dir));

  it('leaves the tree exactly as it was when any write, link or removal before the switch fails', async () => {
    // On a copy, learn how many changes a publish makes before its first rename (the switch).
    const copy = join(dir, 'probe');
    await run('cp', ['-a', out, copy]);
    const probe = new SpyStorage(new LocalStorage(copy));
    await publish(plan, probe, key.signer, fixedClock(T1));
    const firstRename = probe.calls.findIndex((c) => c.op === 'rename');
    const changesBeforeSwitch = probe.calls.slice(0, firstRename).filter((c) => ['writeFile', 'link', 'symlink', 'remove'].includes(c.op)).length;
    expect(changesBeforeSwitch).toBeGreaterThan(20);
    for (let n = 1; n <= changesBeforeSwitch; n++) {
      const failing = new SpyStorage(new LocalStorage(out));
      failing.failAt = n;
      const error = await publish(plan, failing, key.signer, fixedClock(T1)).catch((e: unknown) => e);
      expect(error, `failure at change ${n}`).toBeInstanceOf(PublishError);
      expect(String(error), `failure at change ${n}`).toMatch(/the published tree was left as it was|cannot take the lock .*: injected failure/);
      expect(failing.calls.some((c) => c.op === 'rename'), `no rename after a failure at change ${n}`).toBe(false);
      expect(await snapshotTree(out), `tree after a failure at change ${n}`).toEqual(before);
    }
    // Nothing left behind gets in the way: the same plan then publishes, and apt's checks pass.
    await publish(plan, new LocalStorage(out), key.signer, fixedClock(T1));
    expect(await verifyRepository(out, key.publicBinary, T1)).toEqual([]);
  });

  it('switches nothing, and leaves the tree as it was, when its lock was taken over before the switch', async () => {
    const copy = join(dir, 'taken-over');
    await publishRound(new LocalStorage(copy), key.signer, dir, { date: T0, config: CONFIG, debs: [{ name: 'half', version: '0.1.0', architecture: 'all' }] });
    const plan = await planRound(new LocalStorage(copy), dir, { date: T1, config: CONFIG, debs: [{ name: 'half', version: '0.2.0', architecture: 'all' }] });
    const tree = await snapshotTree(copy);
    class TakenOverWhileStaging extends LocalStorage {
      override async writeFile(path: string, bytes: Uint8Array): Promise<void> {
        await super.writeFile(path, bytes);
        if (path.startsWith('dists/')) await writeFile(join(copy, LOCK_PATH), '4242\nflock\n');
      }
    }
    const error = await publish(plan, new TakenOverWhileStaging(copy), key.signer, fixedClock(T1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(String(error)).toContain(`failed while confirming it still holds the lock: lost the lock of ${copy}: ${LOCK_PATH} names pid 4242 now; the published tree was left as it was`);
    expect(await readFile(join(copy, LOCK_PATH), 'utf8'), 'the other publisher\'s lock stays').toBe('4242\nflock\n');
    await run('rm', [join(copy, LOCK_PATH)]);
    expect(await snapshotTree(copy)).toEqual(tree);
    await publish(plan, new LocalStorage(copy), key.signer, fixedClock(T1));
    expect(await verifyRepository(copy, key.publicBinary, T1)).toEqual([]);
  });

  it('replaces a pool file that a publish stopped before its switch was creating, and no other', async () => {
    const copy = join(dir, 'leftover');
    await publishRound(new LocalStorage(copy), key.signer, dir, { date: T0, config: CONFIG, debs: [{ name: 'half', version: '0.1.0', architecture: 'all' }] });
    const plan = await planRound(new LocalStorage(copy), dir, { date: T1, config: CONFIG, debs: [{ name: 'half', version: '0.2.0', architecture: 'all' }] });
    const added = plan.pool.find((f) => f.bytes !== undefined);
    if (added === undefined) throw new Error('the plan adds no pool file');
    await mkdir(dirname(join(copy, added.path)), { recursive: true });
    await writeFile(join(copy, added.path), 'a half-written .deb from a killed publish');
    const storage = new LocalStorage(copy);
    // a file no pending list names (a state moved away, a file put there by hand) is never replaced
    await expect(publish(plan, storage, key.signer, fixedClock(T1))).rejects.toThrow(/already exists with different content/);
    expect(await checkPool(plan, storage, new Set([added.path]))).toMatchObject({ leftovers: new Set([added.path]) });
    // the killed publish had listed it as one it was creating, and another file this publish
    // does not make (a version never published since): that one goes
    const abandoned = 'pool/half/o/orphan/orphan_9_all.deb';
    await mkdir(dirname(join(copy, abandoned)), { recursive: true });
    await writeFile(join(copy, abandoned), 'half of a .deb');
    await writeFile(join(copy, PENDING_PATH), `${added.path}\n${abandoned}\n`);
    const result = await publish(plan, storage, key.signer, fixedClock(T1));
    expect(existsSync(join(copy, PENDING_PATH))).toBe(false);
    expect(result.removed).toContain(abandoned);
    expect(existsSync(join(copy, 'pool/half/o'))).toBe(false);
    expect(new Uint8Array(await readFile(join(copy, added.path)))).toEqual(added.bytes);
    expect(await verifyRepository(copy, key.publicBinary, T1)).toEqual([]);
  });

  it('writes nothing when the signer fails', async () => {
    const broken: Signer = {
      ...key.signer,
      clearsign: async () => {
        throw new Error('no passphrase');
      },
    };
    const storage = new SpyStorage(new LocalStorage(out));
    const tree = await snapshotTree(out);
    await expect(publish(plan, storage, broken, fixedClock(T1))).rejects.toThrow(/signing dists\/trixie\/Release failed: no passphrase/);
    expect(await snapshotTree(out)).toEqual(tree);
    expect(storage.calls.filter((c) => c.op !== 'stat' && c.op !== 'readFile' && !c.path.startsWith('.half-repo/lock'))).toEqual([]);
  });
});
