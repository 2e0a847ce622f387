import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeb822 } from '../../../repo-tool/src/format/deb822.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { getField } from '../../../repo-tool/src/model/paragraph.js';
import { checkSourcePackage } from '../../../repo-tool/src/repo/source-package.js';
import type { CheckedSource } from '../../../repo-tool/src/repo/source-package.js';
import { formatSources } from '../../../repo-tool/src/repo/sources.js';
import { makeNativeSource } from './helpers/sources.js';
import type { MadeSource } from './helpers/sources.js';
import { makeTempDir, removeTempDir } from './helpers/tmp.js';

const run = promisify(execFile);

async function check(made: MadeSource): Promise<CheckedSource> {
  const read = async (name: string) => ({ name, bytes: new Uint8Array(await readFile(join(made.dir, name))) });
  const files = await Promise.all(made.fileNames.map(read));
  return checkSourcePackage(await read(made.dscName), files, 'half', ['trixie']);
}

describe('Sources', () => {
  let dir: string;
  let checked: CheckedSource[];
  beforeAll(async () => {
    dir = await makeTempDir('sources');
    const made = [
      await makeNativeSource(join(dir, 'build-a'), 'hello', '0.2'),
      await makeNativeSource(join(dir, 'build-b'), 'hello', '0.10'),
      await makeNativeSource(join(dir, 'build-c'), 'keepalived', '1:2.2.8'),
    ];
    checked = await Promise.all(made.map(check));
    for (const c of checked) {
      for (const f of c.poolFiles) {
        await mkdir(join(dir, f.path, '..'), { recursive: true });
        await writeFile(join(dir, f.path), f.bytes);
      }
    }
  });
  afterAll(async () => removeTempDir(dir));

  it('equals apt-ftparchive sources field by field, in order', async () => {
    const ours = parseDeb822(formatSources(checked.map((c) => c.entry)), { source: 'our Sources' });
    const { stdout } = await run('apt-ftparchive', ['sources', 'pool'], { cwd: dir });
    const theirs = parseDeb822(stdout, { source: 'apt-ftparchive sources' });
    expect(ours.map((p) => `${getField(p, 'Package')} ${getField(p, 'Version')}`)).toEqual(['hello 0.2', 'hello 0.10', 'keepalived 1:2.2.8']);
    expect(theirs).toHaveLength(ours.length);
    for (const stanza of ours) {
      const match = theirs.find((t) => getField(t, 'Version') === getField(stanza, 'Version') && getField(t, 'Package') === getField(stanza, 'Package'));
      expect(stanza).toEqual(match);
    }
  });

  it('agrees with dpkg-scansources on every field it writes', async () => {
    const ours = parseDeb822(formatSources(checked.map((c) => c.entry)), { source: 'our Sources' });
    const { stdout } = await run('dpkg-scansources', ['pool'], { cwd: dir });
    const theirs = parseDeb822(stdout, { source: 'dpkg-scansources' });
    expect(theirs).toHaveLength(ours.length);
    for (const stanza of theirs) {
      const match = ours.find((o) => getField(o, 'Version') === getField(stanza, 'Version') && getField(o, 'Package') === getField(stanza, 'Package'));
      expect(match).toBeDefined();
      for (const [name, value] of stanza) expect(getField(match ?? [], name), name).toBe(value);
    }
  });

  it('refuses a listed file whose checksum differs, naming it', async () => {
    const c = checked[0] as CheckedSource;
    const dsc = c.poolFiles[0] as { path: string; bytes: Uint8Array };
    const tarball = c.poolFiles[1] as { path: string; bytes: Uint8Array };
    const name = tarball.path.slice(tarball.path.lastIndexOf('/') + 1);
    const corrupt = new Uint8Array(tarball.bytes);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 1;
    const attempt = () => checkSourcePackage({ name: 'hello_0.2.dsc', bytes: dsc.bytes }, [{ name, bytes: corrupt }], 'half', ['trixie']);
    expect(attempt).toThrow(PackageFormatError);
    expect(attempt).toThrow(/hello_0\.2\.tar\.xz does not match hello_0\.2\.dsc: md5/);
    expect(() => checkSourcePackage({ name: 'hello_0.2.dsc', bytes: dsc.bytes }, [], 'half', ['trixie'])).toThrow(/lists hello_0\.2\.tar\.xz, which was not found/);
    expect(() => checkSourcePackage({ name: 'other.dsc', bytes: dsc.bytes }, [], 'half', ['trixie'])).toThrow(/must be named hello_0\.2\.dsc/);
  });
});
