// The builder against dpkg-deb -b on the same tree: for every fixture, uncompressed packages
// are identical byte for byte; xz and gzip packages show the same --info and --contents.
import { afterAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import { controlText } from '../../../repo-tool/src/deb/control.js';
import { readAr } from '../../../repo-tool/src/format/ar.js';
import { DefinitionError, ExitCode, UsageError } from '../../../repo-tool/src/model/errors.js';
import { dpkgDeb, dpkgDebField, infoWithoutSizes } from './helpers/dpkg-deb.js';
import { FIXTURE_EPOCH, fixture, fixtures, REPO_ROOT } from './helpers/fixtures.js';
import { dpkgDebBuild, materialise, type Materialised } from './helpers/materialise.js';

const trees: Materialised[] = [];
afterAll(async () => {
  await Promise.all(trees.map((t) => t.remove()));
});

async function reference(name: string, compression: 'xz' | 'gzip' | 'none'): Promise<{ ours: Uint8Array; theirs: Uint8Array }> {
  const def = fixture(name).definition;
  const ours = await buildDeb(def, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, compression });
  const tree = await materialise(def, REPO_ROOT, controlText(ours.control));
  trees.push(tree);
  return { ours: ours.bytes, theirs: await dpkgDebBuild(tree.dir, compression, FIXTURE_EPOCH) };
}

describe('buildDeb compared with dpkg-deb -b', () => {
  for (const { definition } of fixtures) {
    it(`${definition.name}: uncompressed, identical bytes`, async () => {
      const { ours, theirs } = await reference(definition.name, 'none');
      if (Buffer.compare(ours, theirs) !== 0) {
        // Show a readable difference before failing on the bytes.
        expect(await dpkgDeb(ours, '--contents')).toBe(await dpkgDeb(theirs, '--contents'));
        expect(await dpkgDeb(ours, '--info')).toBe(await dpkgDeb(theirs, '--info'));
      }
      expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
    });

    for (const compression of ['xz', 'gzip'] as const) {
      it(`${definition.name}: ${compression}, same --info and --contents`, async () => {
        const { ours, theirs } = await reference(definition.name, compression);
        expect(await infoWithoutSizes(ours)).toBe(await infoWithoutSizes(theirs));
        expect(await dpkgDeb(ours, '--contents')).toBe(await dpkgDeb(theirs, '--contents'));
        const suffix = compression === 'xz' ? '.xz' : '.gz';
        expect(readAr(ours, 'ours').map((m) => m.name)).toEqual(['debian-binary', `control.tar${suffix}`, `data.tar${suffix}`]);
      });
    }
  }

  it('names the file name_version-without-epoch_arch.deb and lists installed paths', async () => {
    const artifact = await buildDeb(fixture('half-fixture-arch').definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH });
    expect(artifact.fileName).toBe('half-fixture-arch_2.0~rc1-1_amd64.deb');
    expect(artifact.paths).toContain('usr/lib/x86_64-linux-gnu/half-fixture-arch/table.dat');
    expect(artifact.paths.some((p) => p.startsWith('/') || p.startsWith('./') || p.endsWith('/'))).toBe(false);
    const fields = (await dpkgDebField(artifact.bytes)).split('\n').filter((l) => /^\S/.test(l)).map((l) => l.slice(0, l.indexOf(':')));
    expect(fields).toEqual(artifact.control.map(([name]) => name));
  });

  it('reduces architecture restrictions for the package architecture', async () => {
    const artifact = await buildDeb(fixture('half-fixture-arch').definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH });
    expect(await dpkgDebField(artifact.bytes, 'Depends')).toBe('libc6 (>= 2.36), debconf | half-fixture-other (>= 1:1.0)\n');
  });

  it('rejects an invalid definition with every problem listed, before reading any file', async () => {
    const def = { ...fixture('half-fixture-plain').definition, name: 'Bad_Name', version: 'x1', files: [{ path: 'relative', content: { from: '/nonexistent' } }] };
    const error = await buildDeb(def, { root: REPO_ROOT, mtime: FIXTURE_EPOCH }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    const message = (error as Error).message;
    expect(message).toMatch(/name: "Bad_Name" is not a valid package name/);
    expect(message).toMatch(/version: the upstream version "x1"/);
    expect(message).toMatch(/files\[0\]\.path: "relative" is not absolute/);
  });

  it('rejects values of the wrong type with a DefinitionError (exit 3), not a crash in the writers', async () => {
    const plain = fixture('half-fixture-plain').definition;
    for (const change of [{ version: 1.5 }, { source: { name: 123 } }, { description: { synopsis: 'ok', long: ['a', 'b'] } }, { extraFields: { 'X-Count': 3 } }]) {
      const error = await buildDeb({ ...plain, ...change } as never, { root: REPO_ROOT, mtime: FIXTURE_EPOCH }).catch((e: unknown) => e);
      expect(error, JSON.stringify(change)).toBeInstanceOf(DefinitionError);
      expect((error as DefinitionError).exitCode).toBe(ExitCode.definition);
      expect((error as Error).message).toMatch(/: is (a number \(\d.*\)|an array), not a string \(fix: /);
    }
  });

  it('names the package and the file when a `from` file is missing', async () => {
    const def = { ...fixture('half-fixture-plain').definition, files: [{ path: '/usr/share/x', content: { from: 'test/fixtures/packages/no-such-file' } }] };
    await expect(buildDeb(def, { root: REPO_ROOT, mtime: FIXTURE_EPOCH })).rejects.toThrow(/package "half-fixture-plain": files\[\/usr\/share\/x\]: cannot read "test\/fixtures\/packages\/no-such-file"/);
  });

  it('refuses a non-integer or negative mtime', async () => {
    await expect(buildDeb(fixture('half-fixture-plain').definition, { root: REPO_ROOT, mtime: 1.5 })).rejects.toBeInstanceOf(UsageError);
    await expect(buildDeb(fixture('half-fixture-plain').definition, { root: REPO_ROOT, mtime: -1 })).rejects.toBeInstanceOf(UsageError);
  });
});
