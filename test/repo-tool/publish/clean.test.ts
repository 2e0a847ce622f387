// half-repo clean on a real repository tree: it removes pool files that nothing names and the
// temporary names of a killed publish, and nothing else; it keeps what the state or a published
// index names, refuses without the state or with an unreadable index, and takes the publish
// lock. A publish itself sweeps the temporary names a killed publish left.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishError } from '../../../repo-tool/src/model/errors.js';
import { cleanRepository } from '../../../repo-tool/src/publish/clean.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { LOCK_PATH } from '../../../repo-tool/src/publish/lock.js';
import { defaultRepoConfig } from '../../../repo-tool/src/repo/config.js';
import { PENDING_PATH, STATE_PATH } from '../../../repo-tool/src/repo/state.js';
import { verifyRepository } from '../../../repo-tool/src/verify/verify.js';
import { publishRound } from '../repo/helpers/scenario.js';
import { makeTestKey } from '../repo/helpers/signer.js';
import type { TestKey } from '../repo/helpers/signer.js';
import { makeNativeSource } from '../repo/helpers/sources.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';
import { snapshotTree } from '../repo/helpers/tree.js';
import { SpyStorage } from './helpers.js';

const run = promisify(execFile);
const T0 = new Date('2026-11-20T10:00:00Z');
const T1 = new Date('2026-11-20T11:00:00Z');
const T2 = new Date('2026-11-20T12:00:00Z');
const CONFIG = { ...defaultRepoConfig, suites: [{ codename: 'trixie', suite: 'stable' }] };

/** What a killed publish, an older HALF and a hand leave behind in a published tree. */
const JUNK = {
  strayDeb: 'pool/half/s/stray/stray_1.0_all.deb',
  poolTemp: 'pool/half/h/half/.half_0.3.0_all.deb.half-new',
  byHashTemp: 'dists/trixie/half/binary-amd64/by-hash/SHA256/.0123abcd.half-new',
  releaseTemp: 'dists/trixie/.InRelease.half-new',
  stateTemp: '.half-repo/.state.json.half-new',
};
const SYMLINK_TEMP = 'dists/.stable.half-new';

async function addJunk(root: string): Promise<void> {
  for (const path of Object.values(JUNK)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), `left behind: ${path}`);
  }
  await symlink('trixie', join(root, SYMLINK_TEMP));
}

describe('half-repo clean', () => {
  let dir: string;
  let out: string;
  let key: TestKey;
  let clean: Record<string, string>;
  beforeAll(async () => {
    dir = await makeTempDir('clean');
    out = join(dir, 'repo');
    key = await makeTestKey();
    const source = await makeNativeSource(join(dir, 'src'), 'half-tools', '1.0');
    await publishRound(new LocalStorage(out), key.signer, dir, {
      date: T0,
      config: CONFIG,
      debs: [
        { name: 'half', version: '0.1.0', architecture: 'all' },
        { name: 'half-syncd', version: '0.1.0', architecture: 'amd64' },
      ],
      sources: [source],
    });
    clean = await snapshotTree(out);
  });
  afterAll(async () => removeTempDir(dir));

  async function copyWithJunk(name: string): Promise<string> {
    const copy = join(dir, name);
    await run('cp', ['-a', out, copy]);
    await addJunk(copy);
    return copy;
  }

  it('lists on a dry run, then removes exactly what nothing names; apt\'s checks still pass', async () => {
    const copy = await copyWithJunk('junk');
    const withJunk = await snapshotTree(copy);
    const expected = [...Object.values(JUNK), SYMLINK_TEMP].sort();
    // a dry run writes nothing, not even the lock
    const spy = new SpyStorage(new LocalStorage(copy));
    const dry = await cleanRepository(spy, { dryRun: true });
    expect(dry).toEqual({ unreferenced: expected, removed: [], leftAlone: [] });
    expect(spy.changeCount).toBe(0);
    expect(await snapshotTree(copy)).toEqual(withJunk);

    const result = await cleanRepository(new LocalStorage(copy));
    expect(result.removed).toEqual(expected);
    // the tree is the published one again, empty directories included
    expect(await snapshotTree(copy)).toEqual(clean);
    expect(existsSync(join(copy, 'pool/half/s'))).toBe(false);
    expect(await verifyRepository(copy, key.publicBinary, T1)).toEqual([]);
    expect(await cleanRepository(new LocalStorage(copy))).toEqual({ unreferenced: [], removed: [], leftAlone: [] });
  });

  it('keeps what an older state.json does not name but a served index does, the current one or an earlier generation under by-hash', async () => {
    const copy = join(dir, 'older-state');
    await run('cp', ['-a', out, copy]);
    const older = join(dir, 'older-state.json');
    await run('cp', [join(copy, STATE_PATH), older]);
    // one version listed at a time: 0.2.0 is in no current index once 0.3.0 is published, only
    // in the by-hash generation a client that updated before then still fetches
    const config = { ...CONFIG, keepVersions: 1 };
    await publishRound(new LocalStorage(copy), key.signer, dir, { date: T1, config, debs: [{ name: 'half', version: '0.2.0', architecture: 'all' }] });
    await publishRound(new LocalStorage(copy), key.signer, dir, { date: T2, config, debs: [{ name: 'half', version: '0.3.0', architecture: 'all' }] });
    const packages = await readFile(join(copy, 'dists/trixie/half/binary-all/Packages'), 'utf8');
    expect(packages).toContain('half_0.3.0_all.deb');
    expect(packages).not.toContain('half_0.2.0_all.deb');
    await run('cp', [older, join(copy, STATE_PATH)]);
    const before = await snapshotTree(copy);
    expect(await cleanRepository(new LocalStorage(copy))).toEqual({ unreferenced: [], removed: [], leftAlone: [] });
    expect(await snapshotTree(copy)).toEqual(before);
  });

  it('keeps what the live InRelease still serves after a switch that stopped half way', async () => {
    const copy = join(dir, 'half-switched');
    await run('cp', ['-a', out, copy]);
    // no grace: the new state drops 0.1.0 at once, and only the switch's end would delete it
    const config = { ...CONFIG, keepVersions: 1, poolGrace: 0 };
    class InReleaseFails extends SpyStorage {
      override async rename(from: string, to: string): Promise<void> {
        if (to.endsWith('/InRelease')) throw new Error('injected failure at rename InRelease');
        return super.rename(from, to);
      }
    }
    await expect(
      publishRound(new InReleaseFails(new LocalStorage(copy)), key.signer, dir, { date: T1, config, debs: [{ name: 'half', version: '0.2.0', architecture: 'all' }] }),
    ).rejects.toThrow(/while switching dists\/trixie\/InRelease/);
    const old = 'pool/half/h/half/half_0.1.0_all.deb';
    expect(await readFile(join(copy, STATE_PATH), 'utf8')).not.toContain(old);
    // what apt gets: the live InRelease names the old generation of Packages, by its hash
    const inRelease = await readFile(join(copy, 'dists/trixie/InRelease'), 'utf8');
    const sha256 = inRelease.split('SHA256:')[1]?.match(/^ ([0-9a-f]{64}) +\d+ half\/binary-all\/Packages$/m)?.[1];
    if (sha256 === undefined) throw new Error('InRelease lists no SHA256 of half/binary-all/Packages');
    const served = await readFile(join(copy, 'dists/trixie/half/binary-all/by-hash/SHA256', sha256), 'utf8');
    expect(served).toContain(`Filename: ${old}\n`);
    const result = await cleanRepository(new LocalStorage(copy));
    expect(result.removed).not.toContain(old);
    expect(existsSync(join(copy, old))).toBe(true);
  });

  it('leaves alone what is not a package file: a symlink to a directory on another disk, a web server\'s file', async () => {
    const copy = await copyWithJunk('not-packages');
    const elsewhere = join(dir, 'other-disk');
    await mkdir(join(elsewhere, 'extra'), { recursive: true });
    await writeFile(join(elsewhere, 'extra', 'extra_1_all.deb'), 'a .deb on another disk');
    await symlink(join(elsewhere, 'extra'), join(copy, 'pool/half/e'));
    await writeFile(join(copy, 'pool/.htaccess'), 'Options -Indexes\n');
    const result = await cleanRepository(new LocalStorage(copy));
    expect(result.leftAlone).toEqual([
      { path: 'pool/.htaccess', why: 'not a package file' },
      { path: 'pool/half/e', why: 'a symlink' },
    ]);
    expect(result.removed).toEqual([...Object.values(JUNK), SYMLINK_TEMP].sort());
    expect(existsSync(join(copy, 'pool/.htaccess'))).toBe(true);
    expect(existsSync(join(copy, 'pool/half/e/extra_1_all.deb'))).toBe(true);
  });

  // a mistyped path used to be "cleaned": the lock made the folder, and the run said all was well
  it('refuses a folder that is no repository, and makes nothing there', async () => {
    for (const dryRun of [false, true]) {
      const nowhere = join(dir, `no-such-repo-${String(dryRun)}`);
      const error = await cleanRepository(new LocalStorage(nowhere), { dryRun }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishError);
      expect(String(error)).toContain(`${nowhere} is not a repository half-repo published: it has no .half-repo/state.json`);
      expect(existsSync(nowhere)).toBe(false);
    }
    const cli = await run('node', ['repo-tool/bin/half-repo.js', 'list', join(dir, 'no-such-repo')]).catch((e: { code: number; stderr: string }) => e);
    expect(cli).toMatchObject({ code: 7, stderr: expect.stringContaining('is not a repository half-repo published') });
  });

  it('refuses without the state file, and with an index it cannot read, removing nothing', async () => {
    const copy = await copyWithJunk('refusals');
    await rename(join(copy, STATE_PATH), join(copy, 'state.json.moved'));
    let tree = await snapshotTree(copy);
    let error = await cleanRepository(new LocalStorage(copy)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(String(error)).toMatch(/state\.json is missing: every pool file would look unreferenced/);
    expect((error as PublishError).hint).toMatch(/restore \.half-repo\/state\.json/);
    expect(await snapshotTree(copy)).toEqual(tree);
    await rename(join(copy, 'state.json.moved'), join(copy, STATE_PATH));

    const index = join(copy, 'dists/trixie/half/binary-amd64/Packages.xz');
    const bytes = await readFile(index);
    await writeFile(index, bytes.subarray(0, bytes.length - 20));
    tree = await snapshotTree(copy);
    error = await cleanRepository(new LocalStorage(copy)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(String(error)).toContain('cannot read');
    expect(String(error)).toContain('dists/trixie/half/binary-amd64/Packages.xz');
    expect((error as PublishError).hint).toMatch(/nothing was removed/);
    expect(await snapshotTree(copy)).toEqual(tree);
  });

  it('removes nothing once its lock was taken over while it looked for what to remove', async () => {
    const copy = await copyWithJunk('taken-over');
    const tree = await snapshotTree(copy);
    class TakenOverWhileListing extends LocalStorage {
      override async list(dir: string): Promise<string[]> {
        const listed = await super.list(dir);
        if (dir === 'pool') await writeFile(join(copy, LOCK_PATH), '4242\nflock\n');
        return listed;
      }
    }
    await expect(cleanRepository(new TakenOverWhileListing(copy))).rejects.toThrow(`lost the lock of ${copy}: ${LOCK_PATH} names pid 4242 now`);
    expect(await readFile(join(copy, LOCK_PATH), 'utf8'), 'the other publisher\'s lock stays').toBe('4242\nflock\n');
    await run('rm', [join(copy, LOCK_PATH)]);
    expect(await snapshotTree(copy)).toEqual(tree);
  });

  it('waits for no one: a live publisher\'s lock refuses it, and a failed removal is named after the others are done', async () => {
    const copy = await copyWithJunk('locked');
    const tree = await snapshotTree(copy);
    await writeFile(join(copy, '.half-repo/lock'), `${process.pid}\n`);
    await expect(cleanRepository(new LocalStorage(copy), { pid: process.pid + 1 })).rejects.toThrow(/another half-repo \(pid \d+\) is publishing/);
    await expect(cleanRepository(new LocalStorage(copy), { dryRun: true })).rejects.toThrow(/another half-repo \(pid \d+\) is publishing/);
    await run('rm', [join(copy, '.half-repo/lock')]);
    expect(await snapshotTree(copy)).toEqual(tree);

    // the pending list of a stopped publish loses the entries clean removed
    await writeFile(join(copy, PENDING_PATH), `${JUNK.strayDeb}\n`);
    class StateTempStuck extends SpyStorage {
      override async remove(path: string): Promise<void> {
        if (path === JUNK.stateTemp) throw new Error('injected failure');
        return super.remove(path);
      }
    }
    const error = await cleanRepository(new StateTempStuck(new LocalStorage(copy))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(String(error)).toMatch(/removed 5 of 6 unreferenced files; could not remove \.half-repo\/\.state\.json\.half-new: injected failure/);
    expect(existsSync(join(copy, JUNK.strayDeb))).toBe(false);
    expect(existsSync(join(copy, PENDING_PATH))).toBe(false);
    expect(existsSync(join(copy, '.half-repo/lock'))).toBe(false);
    expect((await cleanRepository(new LocalStorage(copy))).removed).toEqual([JUNK.stateTemp]);
  });
});

describe('publish after a killed publish', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('sweep');
  });
  afterAll(async () => removeTempDir(dir));

  it('removes the temporary names the killed publish left once its own switch is done', async () => {
    const key = await makeTestKey();
    const out = join(dir, 'repo');
    await publishRound(new LocalStorage(out), key.signer, dir, { date: T0, config: CONFIG, debs: [{ name: 'half', version: '0.1.0', architecture: 'all' }] });
    await addJunk(out);
    // the killed publish had listed the .deb whose temporary name it left
    await writeFile(join(out, PENDING_PATH), 'pool/half/h/half/half_0.3.0_all.deb\n');
    const { result } = await publishRound(new LocalStorage(out), key.signer, dir, { date: T1, config: CONFIG, debs: [{ name: 'half', version: '0.2.0', architecture: 'all' }] });
    for (const path of [JUNK.poolTemp, JUNK.byHashTemp, JUNK.releaseTemp, SYMLINK_TEMP]) {
      expect(existsSync(join(out, path)), path).toBe(false);
      expect(result.removed).toContain(path);
    }
    // what no pending list names stays for half-repo clean; the state's temporary name is rewritten and renamed by every publish
    expect(existsSync(join(out, JUNK.strayDeb))).toBe(true);
    expect(existsSync(join(out, JUNK.stateTemp))).toBe(false);
    expect(await verifyRepository(out, key.publicBinary, T1)).toEqual([]);
  });
});
