// Reading .debs: ours and dpkg-deb's (xz, gzip, zstd, none) give the same control, paths and
// conffiles; every malformed layout is a PackageFormatError naming the file and the problem;
// truncated and bit-flipped packages never raise anything else.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import { controlText } from '../../../repo-tool/src/deb/control.js';
import { readDeb } from '../../../repo-tool/src/deb/read-deb.js';
import { readAr, writeAr, type ArMember } from '../../../repo-tool/src/format/ar.js';
import { compress } from '../../../repo-tool/src/format/compression.js';
import { digestsOf } from '../../../repo-tool/src/format/digests.js';
import { writeTar } from '../../../repo-tool/src/format/tar.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { FIXTURE_EPOCH, fixture, fixtures, REPO_ROOT } from './helpers/fixtures.js';
import { dpkgDebBuild, materialise, type Materialised } from './helpers/materialise.js';

const run = promisify(execFile);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const trees: Materialised[] = [];
afterAll(async () => {
  await Promise.all(trees.map((t) => t.remove()));
});

async function ours(name: string, compression: 'xz' | 'gzip' | 'none' = 'gzip') {
  return buildDeb(fixture(name).definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, compression });
}

describe('readDeb on well-formed packages', () => {
  for (const { definition } of fixtures) {
    it(`${definition.name}: reads back what buildDeb wrote`, async () => {
      const built = await ours(definition.name, 'xz');
      const read = await readDeb(built.bytes, built.fileName);
      expect(read.fileName).toBe(built.fileName);
      expect(read.control).toEqual(built.control);
      expect(read.paths).toEqual(built.paths);
      expect(read.digests).toEqual(digestsOf(built.bytes));
      expect(read.layout.memberNames).toEqual(['debian-binary', 'control.tar.xz', 'data.tar.xz']);
    });
  }

  for (const compression of ['xz', 'gzip', 'zstd', 'none'] as const) {
    it(`reads dpkg-deb -Z${compression} output like ours`, async () => {
      const built = await ours('half-fixture-scripts', 'gzip');
      const tree = await materialise(fixture('half-fixture-scripts').definition, REPO_ROOT, controlText(built.control));
      trees.push(tree);
      const theirs = await dpkgDebBuild(tree.dir, compression as 'xz', FIXTURE_EPOCH);
      const read = await readDeb(theirs, 'dpkg-deb.deb');
      expect(read.control).toEqual(built.control);
      expect(read.paths).toEqual(built.paths);
      expect(read.conffiles).toEqual(['/etc/half-fixture-scripts/conf.d/extra.conf', '/etc/half-fixture-scripts/main.conf']);
      expect([...read.controlFiles.keys()].sort()).toEqual(['conffiles', 'control', 'md5sums', 'postinst', 'postrm', 'preinst', 'prerm']);
    });
  }

  it('checks a hard link\'s md5sums line against the file it links to, as dpkg -V does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'half-hardlink-'));
    try {
      const share = join(dir, 'tree', 'usr', 'share', 'linked');
      await run('mkdir', ['-p', share, join(dir, 'tree', 'DEBIAN')]);
      await writeFile(join(share, 'a'), 'the same bytes under two names\n');
      await run('ln', [join(share, 'a'), join(share, 'b')]);
      await writeFile(join(dir, 'tree', 'DEBIAN', 'control'), 'Package: linked\nVersion: 1.0\nArchitecture: all\nMaintainer: HALF <half@example.org>\nDescription: two names of one file\n');
      const sums = async (extra = ''): Promise<void> => {
        const { stdout } = await run('sh', ['-c', 'cd "$1" && find usr -type f | sort | xargs md5sum', 'sh', join(dir, 'tree')]);
        expect(stdout.split('\n').filter((l) => l !== '')).toHaveLength(2); // both names, as dh_md5sums writes them
        await writeFile(join(dir, 'tree', 'DEBIAN', 'md5sums'), stdout.replace(/^[0-9a-f]{32}(?=  usr\/share\/linked\/b$)/m, (d) => extra || d));
      };
      await sums();
      await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-b', join(dir, 'tree'), join(dir, 'linked.deb')]);
      const deb = new Uint8Array(await readFile(join(dir, 'linked.deb')));
      const read = await readDeb(deb, 'linked.deb');
      expect(read.entries.find((e) => e.name === './usr/share/linked/b')?.type).toBe('link');
      expect(read.paths).toEqual(expect.arrayContaining(['usr/share/linked/a', 'usr/share/linked/b']));
      // and a wrong sum on the link's line is still caught
      await sums('0'.repeat(32));
      await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-b', join(dir, 'tree'), join(dir, 'wrong.deb')]);
      await expect(readDeb(new Uint8Array(await readFile(join(dir, 'wrong.deb'))), 'wrong.deb')).rejects.toThrow(/"usr\/share\/linked\/b" has MD5 [0-9a-f]{32} but md5sums says 0{32}/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts _-prefixed members before control.tar and anything after data.tar; notes _gpgorigin', async () => {
    const members: ArMember[] = readAr((await ours('half-fixture-plain')).bytes, 'x').map((m) => ({ name: m.name, data: m.data, mtime: m.mtime }));
    const [binary, control, data] = members as [ArMember, ArMember, ArMember];
    const bytes = writeAr([binary, { name: '_extra', data: text('x'), mtime: 0 }, control, data, { name: '_gpgorigin', data: text('sig'), mtime: 0 }, { name: 'future', data: text('y'), mtime: 0 }]);
    const read = await readDeb(bytes, 'extra.deb');
    expect(Buffer.from(read.layout.gpgorigin ?? []).toString()).toBe('sig');
  });
});

/** A .deb with replaced members; the members of the gzip plain fixture by default. */
async function variant(change: (members: ArMember[]) => ArMember[]): Promise<Uint8Array> {
  const members = readAr((await ours('half-fixture-plain')).bytes, 'x').map((m) => ({ name: m.name, data: m.data, mtime: m.mtime }));
  return writeAr(change(members));
}

async function controlTarWith(files: Record<string, string>): Promise<Uint8Array> {
  return compress(writeTar([{ type: 'directory', name: './', mode: 0o755, mtime: 0 }, ...Object.entries(files).map(([name, body]) => ({ type: 'file' as const, name: `./${name}`, mode: 0o644, mtime: 0, data: text(body) }))]), 'gzip');
}

describe('readDeb on malformed packages', () => {
  const cases: [string, () => Promise<Uint8Array>, RegExp][] = [
    ['not an ar archive', async () => text('PK\x03\x04 zip file'), /bad ar magic/],
    ['no members', async () => writeAr([]), /has no members/],
    ['debian-binary not first', () => variant(([a, b, c]) => [b, a, c] as ArMember[]), /first member is "control\.tar\.gz"/],
    ['format 3.0', () => variant(([a, ...rest]) => [{ ...(a as ArMember), data: text('3.0\n') }, ...rest]), /not a 2\.x format version/],
    ['data.tar before control.tar', () => variant(([a, b, c]) => [a, c, b] as ArMember[]), /"data\.tar\.gz" comes before the control member/],
    ['missing data.tar', () => variant(([a, b]) => [a, b] as ArMember[]), /data\.tar member is missing/],
    ['missing control.tar', () => variant(([a]) => [a] as ArMember[]), /control\.tar member is missing/],
    ['unknown member before data.tar', () => variant(([a, b, c]) => [a, { name: 'junk', data: text('x'), mtime: 0 }, b, c] as ArMember[]), /unexpected member "junk"/],
    ['unsupported compression', () => variant(([a, b, c]) => [a, { ...(b as ArMember), name: 'control.tar.bz2' }, c] as ArMember[]), /unsupported compression "\.bz2"/],
    ['control.tar without control', async () => variant(([a, , c]) => [a, { name: 'control.tar.gz', data: new Uint8Array(), mtime: 0 }, c] as ArMember[]), /control\.tar\.gz: cannot decompress/],
    ['control file missing', async () => { const ct = await controlTarWith({ md5sums: '' }); return variant(([a, , c]) => [a, { name: 'control.tar.gz', data: ct, mtime: 0 }, c] as ArMember[]); }, /has no control file/],
    ['control without Version', async () => { const ct = await controlTarWith({ control: 'Package: x1\nArchitecture: all\n' }); return variant(([a, , c]) => [a, { name: 'control.tar.gz', data: ct, mtime: 0 }, c] as ArMember[]); }, /no Version field/],
    ['bad package name', async () => { const ct = await controlTarWith({ control: 'Package: X_1\nVersion: 1\nArchitecture: all\n' }); return variant(([a, , c]) => [a, { name: 'control.tar.gz', data: ct, mtime: 0 }, c] as ArMember[]); }, /"X_1" is not a valid package name/],
    ['md5sums mismatch', async () => { const ct = await controlTarWith({ control: 'Package: x1\nVersion: 1\nArchitecture: all\n', md5sums: `${'0'.repeat(32)}  usr/share/half-fixture-plain/data.txt\n` }); return variant(([a, , c]) => [a, { name: 'control.tar.gz', data: ct, mtime: 0 }, c] as ArMember[]); }, /"usr\/share\/half-fixture-plain\/data\.txt" has MD5 [0-9a-f]{32} but md5sums says 0{32}/],
    ['md5sums naming a missing file', async () => { const ct = await controlTarWith({ control: 'Package: x1\nVersion: 1\nArchitecture: all\n', md5sums: `${'0'.repeat(32)}  usr/nothing\n` }); return variant(([a, , c]) => [a, { name: 'control.tar.gz', data: ct, mtime: 0 }, c] as ArMember[]); }, /md5sums lists "usr\/nothing"/],
    ['control.tar files above 64 MiB', async () => { const ct = await controlTarWith({ control: 'Package: x1\nVersion: 1\nArchitecture: all\n', postinst: '#'.repeat(65 * 1024 * 1024) }); return variant(([a, , c]) => [a, { name: 'control.tar.gz', data: ct, mtime: 0 }, c] as ArMember[]); }, /control\.tar\.gz: refused, its files add up to more than 67108864 bytes \(at "\.\/postinst"\)/],
  ];
  for (const [what, make, message] of cases) {
    it(`${what}: PackageFormatError naming the file`, async () => {
      const error = await readDeb(await make(), 'incoming/broken.deb').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PackageFormatError);
      expect((error as Error).message).toMatch(/^incoming\/broken\.deb/);
      expect((error as Error).message).toMatch(message);
    });
  }

  // What dpkg itself refuses to read (checked with dpkg-deb -W on the same bytes), and a control
  // file that is not UTF-8, which dpkg passes on but apt's lists would show mangled.
  const withControl = async (control: string | Uint8Array): Promise<Uint8Array> => {
    const ct = await compress(writeTar([{ type: 'directory', name: './', mode: 0o755, mtime: 0 }, { type: 'file', name: './control', mode: 0o644, mtime: 0, data: typeof control === 'string' ? text(control) : control }]), 'gzip');
    return variant(([a, , c]) => [a, { name: 'control.tar.gz', data: ct, mtime: 0 }, c] as ArMember[]);
  };
  const HEAD = 'Package: x1\nVersion: 1.0\nArchitecture: all\nMaintainer: M <m@example.org>\nDescription: d\n';
  it.each<[string, string, RegExp, boolean]>([
    ['a version that does not parse in Depends', `${HEAD}Depends: libc6 (>= a b)\n`, /its Depends field does not parse: "libc6 \(>= a b\)" is not/, true],
    ['garbage in Depends', `${HEAD}Depends: libc6 (>= , bar ((\n`, /its Depends field does not parse/, true],
    ['a trailing comma in Pre-Depends', `${HEAD}Pre-Depends: foo, bar,\n`, /its Pre-Depends field does not parse: an empty element/, true],
    ['an architecture restriction list in Conflicts', `${HEAD}Conflicts: foo [amd64]\n`, /its Conflicts field does not parse: "foo \[amd64\]" has an architecture restriction list/, true],
    ['no final newline', HEAD.slice(0, -1), /the control file does not end with a newline/, true],
    ['Multi-Arch: same for architecture all', `${HEAD}Multi-Arch: same\n`, /it is "Multi-Arch: same" for architecture "all", which dpkg refuses to install/, true],
    ['a source version that does not parse', `${HEAD}Source: foo (junk version!)\n`, /its Source field "foo \(junk version!\)" is not "name" or "name \(version\)"/, false],
  ])('refuses %s', async (_what, control, message, dpkgRefuses) => {
    const bytes = await withControl(control);
    await expect(readDeb(bytes, 'bad.deb')).rejects.toThrow(message);
    const dir = await mkdtemp(join(tmpdir(), 'half-ctl-'));
    try {
      await writeFile(join(dir, 'x.deb'), bytes);
      const dpkg = await run('dpkg-deb', ['-W', join(dir, 'x.deb')]).then(() => 0, (e: { code?: number }) => e.code ?? 1);
      if (dpkgRefuses) expect(dpkg, 'dpkg-deb -W refuses it too').not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a control file that is not UTF-8, and reads good relationship fields and a Source with its version', async () => {
    const latin1 = Uint8Array.from([...text(HEAD.replace('Maintainer: M <m@example.org>\n', 'Maintainer: J')), 0xf6, ...text('rg <j@example.org>\n')]); // Jörg in ISO 8859-1
    await expect(readDeb(await withControl(latin1), 'latin1.deb')).rejects.toThrow(/the control file is not UTF-8/);
    const good = await readDeb(await withControl(`${HEAD}Source: foo (1:2.0-1)\nDepends: foo (>= 1.0) | bar:any, baz(<<2)\nProvides: qux (= 1.0)\nBuilt-Using: gcc-12 (= 12.2.0-14)\n`), 'good.deb');
    expect(good.control).toBeDefined();
  });

  it.each(['./../../etc/evil', '/etc/evil', './usr/share/doc/x/../../../../etc/evil'])('refuses a data.tar member outside the root: %s', async (name) => {
    const data = await compress(writeTar([{ type: 'directory', name: './', mode: 0o755, mtime: 0 }, { type: 'file', name, mode: 0o644, mtime: 0, data: text('x') }]), 'gzip');
    const bytes = await variant(([a, b]) => [a, b, { name: 'data.tar.gz', data, mtime: 0 }] as ArMember[]);
    const read = readDeb(bytes, 'climb.deb');
    await expect(read).rejects.toThrow(PackageFormatError);
    await expect(read).rejects.toThrow(`holds "${name}", which is not a path below the root`);
  });

  it('refuses a data.tar with pax headers, which dpkg cannot install', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'half-pax-'));
    try {
      await writeFile(join(dir, 'naïve.txt'), 'x');
      const pax = (await run('tar', ['--format=pax', '-cf', '-', '--owner=0', '--group=0', './naïve.txt'], { cwd: dir, encoding: 'buffer' })).stdout;
      const data = await compress(new Uint8Array(pax), 'gzip');
      const bytes = await variant(([a, b]) => [a, b, { name: 'data.tar.gz', data, mtime: 0 }] as ArMember[]);
      await expect(readDeb(bytes, 'pax.deb')).rejects.toThrow(/uses pax extended headers/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readDeb on damaged packages (truncation and bit flips)', () => {
  async function expectOnlyFormatErrors(bytes: Uint8Array, label: string): Promise<'ok' | 'rejected'> {
    try {
      await readDeb(bytes, label);
      return 'ok';
    } catch (error) {
      if (!(error instanceof PackageFormatError)) throw new Error(`${label}: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
      expect((error as Error).message.startsWith(label)).toBe(true);
      return 'rejected';
    }
  }

  for (const compression of ['gzip', 'none'] as const) {
    it(`${compression}: every truncation and a bit flip at every offset`, async () => {
      const good = (await ours('half-fixture-plain', compression)).bytes;
      const step = compression === 'none' ? 7 : 1;
      const outcomes = { ok: 0, rejected: 0 };
      const accepted: number[] = [];
      for (let length = 0; length < good.byteLength; length += step) {
        if ((await expectOnlyFormatErrors(good.subarray(0, length), `truncated-${length}`)) === 'ok') accepted.push(length);
      }
      expect(accepted, 'every truncated package is refused').toEqual([]);
      for (let at = 0; at < good.byteLength; at += step) {
        const flipped = new Uint8Array(good);
        flipped[at] = (flipped[at] as number) ^ (1 << (at % 8));
        outcomes[await expectOnlyFormatErrors(flipped, `flipped-${at}`)]++;
      }
      // a flip in file content or a header's padding may pass (readDeb checks structure, not md5sums)
      expect(outcomes.rejected).toBeGreaterThan(outcomes.ok);
    });
  }

  it('xz: truncations and bit flips at 80 offsets', async () => {
    const good = (await ours('half-fixture-plain', 'xz')).bytes;
    const t = { ok: 0, rejected: 0 };
    const f = { ok: 0, rejected: 0 };
    for (let i = 0; i < 80; i++) {
      const at = Math.floor((i * good.byteLength) / 80);
      t[await expectOnlyFormatErrors(good.subarray(0, at), `truncated-${at}`)]++;
      const flipped = new Uint8Array(good);
      flipped[at] = (flipped[at] as number) ^ 0x10;
      f[await expectOnlyFormatErrors(flipped, `flipped-${at}`)]++;
    }
    expect(t, 'every truncated package is refused').toEqual({ ok: 0, rejected: 80 });
    expect(f.rejected).toBeGreaterThan(f.ok); // xz checks its blocks: nearly every flip is caught
  });
});
