import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeb822 } from '../../../repo-tool/src/format/deb822.js';
import { getField } from '../../../repo-tool/src/model/paragraph.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import type { RoundResult } from '../repo/helpers/scenario.js';
import { publishRound } from '../repo/helpers/scenario.js';
import { makeTestKey } from '../repo/helpers/signer.js';
import type { TestKey } from '../repo/helpers/signer.js';
import { makeNativeSource } from '../repo/helpers/sources.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';

const run = promisify(execFile);
const DATE = new Date('2026-11-20T10:00:00Z');

/** "path → size sha256 sha512 md5" from a Release's hash sections. */
function releaseEntries(text: string): Map<string, string> {
  const [release] = parseDeb822(text, { source: 'Release' });
  const map = new Map<string, string[]>();
  for (const field of ['MD5Sum', 'SHA256', 'SHA512']) {
    for (const line of (getField(release ?? [], field) ?? '').split('\n').filter((l) => l.trim() !== '')) {
      const [hash, size, path] = line.trim().split(/\s+/) as [string, string, string];
      map.set(path, [...(map.get(path) ?? [size]), hash]);
    }
  }
  return new Map([...map].map(([p, v]) => [p, v.join(' ')]));
}

describe('publish', () => {
  let dir: string;
  let out: string;
  let key: TestKey;
  let first: RoundResult;
  beforeAll(async () => {
    dir = await makeTempDir('publish');
    out = join(dir, 'repo');
    key = await makeTestKey();
    await writeFile(join(dir, 'key.gpg'), key.publicBinary);
    await writeFile(join(dir, 'key.asc'), key.publicArmored);
    first = await publishRound(new LocalStorage(out), key.signer, dir, {
      date: DATE,
      debs: [
        { name: 'half', version: '0.1.0', architecture: 'all', depends: 'half-syncd' },
        { name: 'half-syncd', version: '0.1.0', architecture: 'amd64', files: { '/usr/sbin/half-syncd': '#!/bin/sh\n' } },
        { name: 'libhalf1', version: '0.1.0', architecture: 'amd64' },
      ],
      sources: [await makeNativeSource(join(dir, 'src'), 'half', '0.1.0')],
    });
  });
  afterAll(async () => removeTempDir(dir));

  it('lays out pool, dists, indexes in every form, by-hash copies and suite symlinks', async () => {
    for (const path of [
      'pool/half/h/half/half_0.1.0_all.deb',
      'pool/half/h/half-syncd/half-syncd_0.1.0_amd64.deb',
      'pool/half/libh/libhalf1/libhalf1_0.1.0_amd64.deb',
      'pool/half/h/half/half_0.1.0.dsc',
      'pool/half/h/half/half_0.1.0.tar.xz',
      'dists/trixie/InRelease',
      'dists/trixie/Release',
      'dists/trixie/Release.gpg',
      'dists/bookworm/InRelease',
      'dists/trixie/half/binary-amd64/Packages',
      'dists/trixie/half/binary-amd64/Packages.gz',
      'dists/trixie/half/binary-amd64/Packages.xz',
      'dists/trixie/half/binary-amd64/Release',
      'dists/trixie/half/binary-all/Packages.xz',
      'dists/trixie/half/source/Sources.xz',
      'dists/trixie/half/Contents-amd64.gz',
      'dists/trixie/half/Contents-all.gz',
    ]) {
      expect(existsSync(join(out, path)), path).toBe(true);
    }
    expect(await readlink(join(out, 'dists/stable'))).toBe('trixie');
    expect(await readlink(join(out, 'dists/oldstable'))).toBe('bookworm');
    const packagesXz = join(out, 'dists/trixie/half/binary-amd64/Packages.xz');
    const sha256 = (await run('sha256sum', [packagesXz])).stdout.split(' ')[0] as string;
    const byHash = join(out, 'dists/trixie/half/binary-amd64/by-hash/SHA256', sha256);
    expect((await readFile(byHash)).equals(await readFile(packagesXz))).toBe(true);
    expect(first.result.addedPool).toHaveLength(5);
    // Each suite switches its InRelease after everything else in it; suite symlinks come last.
    for (const codename of ['bookworm', 'trixie']) {
      const inSuite = first.result.switched.filter((p) => p.startsWith(`dists/${codename}/`));
      expect(inSuite.at(-1)).toBe(`dists/${codename}/InRelease`);
      expect(inSuite.at(-2)).toBe(`dists/${codename}/Release.gpg`);
    }
    expect(first.result.switched.slice(-2)).toEqual(['dists/oldstable', 'dists/stable']);
  });

  it('lists arch-all packages in binary-amd64 and binary-all, and amd64 ones only in binary-amd64', async () => {
    const names = async (arch: string) =>
      parseDeb822(await readFile(join(out, `dists/trixie/half/binary-${arch}/Packages`), 'utf8'), { source: arch }).map((p) => getField(p, 'Package'));
    expect(await names('amd64')).toEqual(['half', 'half-syncd', 'libhalf1']);
    expect(await names('all')).toEqual(['half']);
  });

  it('writes a Release that gpgv and sqv accept, with the fields apt checks', async () => {
    const suite = join(out, 'dists/trixie');
    await run('gpgv', ['--keyring', join(dir, 'key.gpg'), join(suite, 'InRelease')]);
    await run('gpgv', ['--keyring', join(dir, 'key.gpg'), join(suite, 'Release.gpg'), join(suite, 'Release')]);
    await run('sqv', ['--keyring', join(dir, 'key.asc'), join(suite, 'Release.gpg'), join(suite, 'Release')]);
    const [release] = parseDeb822(await readFile(join(suite, 'Release'), 'utf8'), { source: 'Release' });
    expect(getField(release ?? [], 'Suite')).toBe('stable');
    expect(getField(release ?? [], 'Codename')).toBe('trixie');
    expect(getField(release ?? [], 'Date')).toBe('Fri, 20 Nov 2026 10:00:00 UTC');
    expect(getField(release ?? [], 'Acquire-By-Hash')).toBe('yes');
    expect(getField(release ?? [], 'Architectures')).toBe('amd64 all');
    expect(getField(release ?? [], 'Valid-Until')).toBeUndefined();
  });

  it('lists the same files, sizes and hashes as apt-ftparchive release, plus uncompressed Contents', async () => {
    const suite = join(out, 'dists/trixie');
    const { stdout } = await run('apt-ftparchive', ['release', '.'], { cwd: suite });
    const theirs = releaseEntries(stdout);
    theirs.delete('Release'); // apt-ftparchive lists the top-level Release we already wrote
    const ours = releaseEntries(await readFile(join(suite, 'Release'), 'utf8'));
    for (const [path, value] of ours) {
      if (/Contents-[a-z0-9]+$/.test(path)) {
        // Not written (Debian publishes only Contents-*.gz), listed with the uncompressed digests.
        const plain = (await run('sh', ['-c', 'gzip -dc "$1" | wc -c', 'sh', join(suite, `${path}.gz`)])).stdout.trim();
        expect(value.split(' ')[0]).toBe(plain);
        continue;
      }
      expect(theirs.get(path), path).toBe(value);
    }
    expect([...theirs.keys()].filter((p) => !ours.has(p))).toEqual([]);
  });

  it('republishing the same packages keeps pool and unchanged indexes untouched', async () => {
    const packages = join(out, 'dists/trixie/half/binary-amd64/Packages.xz');
    const inodeBefore = (await stat(packages)).ino;
    const again = await publishRound(new LocalStorage(out), key.signer, dir, { date: new Date(DATE.getTime() + 3600_000) });
    expect(again.result.addedPool).toEqual([]);
    expect(again.result.switched.every((p) => /\/(Release|Release\.gpg|InRelease)$/.test(p))).toBe(true);
    expect((await stat(packages)).ino).toBe(inodeBefore);
    await run('gpgv', ['--keyring', join(dir, 'key.gpg'), join(out, 'dists/trixie/InRelease')]);
  });
});
