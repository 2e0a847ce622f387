// What dpkg refuses in a .deb made elsewhere, readDeb (and so `half-repo import`) refuses too:
// each hand-made package goes through the real dpkg (dpkg -i into a throwaway root, or dpkg-deb
// -x where dpkg -i is lenient and dpkg-deb is not) and through readDeb, and both must judge it
// alike; the near misses that dpkg installs, readDeb must read.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeb } from '../../../repo-tool/src/deb/read-deb.js';
import { writeAr } from '../../../repo-tool/src/format/ar.js';
import { encodeTarEntry, type TarEntry } from '../../../repo-tool/src/format/tar.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';

const utf8 = new TextEncoder();
const CONTROL = 'Package: foo\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: test\n long desc\n';
const dir = (name: string): TarEntry => ({ type: 'directory', name, mode: 0o755, mtime: 0 });
const file = (name: string, body: string, mode = 0o644): TarEntry => ({ type: 'file', name, mode, mtime: 0, data: utf8.encode(body) });
const symlink = (name: string, target: string): TarEntry => ({ type: 'symlink', name, mode: 0o777, mtime: 0, target });

/** A hard link entry (our writer has none: buildDeb never writes one): a symlink header retyped. */
function hardLink(name: string, target: string): Uint8Array {
  const [header] = encodeTarEntry(symlink(name, target));
  const h = new Uint8Array(header as Uint8Array);
  h[156] = 0x31; // '1': hard link
  let sum = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += h[i] as number;
  h.set(utf8.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return h;
}

/** An uncompressed tar of these entries (raw blocks as they are), ended by two zero blocks. */
function tar(entries: readonly (TarEntry | Uint8Array)[]): Uint8Array {
  const parts = entries.flatMap((e) => (e instanceof Uint8Array ? [e] : encodeTarEntry(e)));
  const length = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(length + 1024);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const DATA = [dir('./'), dir('./usr/'), dir('./usr/share/'), dir('./usr/share/foo/'), file('./usr/share/foo/a.txt', 'hello\n')];

interface Parts {
  readonly control?: string | Uint8Array;
  readonly controlExtra?: readonly TarEntry[];
  readonly data?: readonly (TarEntry | Uint8Array)[];
  /** The data.tar member's bytes as they are (instead of `data`). */
  readonly dataBytes?: Uint8Array;
}

function deb({ control = CONTROL, controlExtra = [], data = DATA, dataBytes }: Parts): Uint8Array {
  const controlBytes = typeof control === 'string' ? utf8.encode(control) : control;
  const controlTar = tar([dir('./'), { type: 'file', name: './control', mode: 0o644, mtime: 0, data: controlBytes }, ...controlExtra]);
  return writeAr([
    { name: 'debian-binary', data: utf8.encode('2.0\n'), mtime: 0 },
    { name: 'control.tar', data: controlTar, mtime: 0 },
    { name: 'data.tar', data: dataBytes ?? tar(data), mtime: 0 },
  ]);
}

/** [what, the package, what readDeb says (undefined: it reads it), which dpkg judges it]. */
const CASES: [string, Parts, RegExp | undefined, 'dpkg -i' | 'dpkg-deb -x'][] = [
  ['a control file with a UTF-8 byte order mark', { control: new Uint8Array([0xef, 0xbb, 0xbf, ...utf8.encode(CONTROL)]) }, /the control file starts with a UTF-8 byte order mark/, 'dpkg -i'],
  ['an empty Description', { control: CONTROL.replace('Description: test\n long desc\n', 'Description:\n') }, /its Description field has an empty value/, 'dpkg -i'],
  ['an empty Priority', { control: `${CONTROL}Priority: \n` }, /its Priority field has an empty value/, 'dpkg -i'],
  ['Essential: maybe', { control: `${CONTROL}Essential: maybe\n` }, /its Essential field is "maybe", which dpkg refuses \(it takes yes, no\)/, 'dpkg -i'],
  ['Protected: maybe', { control: `${CONTROL}Protected: maybe\n` }, /its Protected field is "maybe"/, 'dpkg -i'],
  ['Essential on a continuation line', { control: `${CONTROL}Essential:\n no\n` }, /its Essential field is "no"/, 'dpkg -i'],
  ['Multi-Arch: bogus', { control: `${CONTROL}Multi-Arch: bogus\n` }, /its Multi-Arch field is "bogus", which dpkg refuses \(it takes no, same, foreign, allowed\)/, 'dpkg -i'],
  ['a Status field', { control: `${CONTROL}Status: install ok installed\n` }, /has a Status field, which dpkg allows only in its own status file/, 'dpkg -i'],
  ['a Config-Version field', { control: `${CONTROL}Config-Version: 1.0\n` }, /has a Config-Version field/, 'dpkg -i'],
  ['a Triggers-Pending field', { control: `${CONTROL}Triggers-Pending: foo\n` }, /has a Triggers-Pending field/, 'dpkg -i'],
  ['a Triggers-Awaited field', { control: `${CONTROL}Triggers-Awaited: foo\n` }, /has a Triggers-Awaited field/, 'dpkg -i'],
  ['Depends with its list on continuation lines', { control: `${CONTROL}Depends:\n libc6\n` }, /its Depends field has nothing on its first line \(dpkg: "missing package name"\)/, 'dpkg -i'],
  ['Provides with its list on continuation lines', { control: `${CONTROL}Provides: \n bar\n` }, /its Provides field has nothing on its first line/, 'dpkg -i'],
  ['a relative conffiles path', { controlExtra: [file('./conffiles', 'usr/share/foo/a.txt\n')] }, /conffiles names "usr\/share\/foo\/a\.txt", which is not an absolute path/, 'dpkg -i'],
  ['a relative conffiles path after a flag', { controlExtra: [file('./conffiles', 'remove-on-upgrade etc/gone\n')] }, /conffiles names "etc\/gone"/, 'dpkg -i'],
  ['a conffiles line with an empty flag', { controlExtra: [file('./conffiles', ' /usr/share/foo/a.txt\n')] }, /has the flag "", which dpkg does not know/, 'dpkg -i'],
  ['a control.tar member with ".." in its name', { controlExtra: [file('../../evil', 'x')] }, /control\.tar holds "\.\.\/\.\.\/evil", which is not a name below the control directory/, 'dpkg -i'],
  ['a hard link to a later entry', { data: [...DATA, hardLink('./usr/share/foo/h', './usr/share/foo/later'), file('./usr/share/foo/later', 'z')] }, /the hard link "\.\/usr\/share\/foo\/h" names "\.\/usr\/share\/foo\/later", which is not a regular file of an earlier entry/, 'dpkg -i'],
  ['a hard link to nothing', { data: [...DATA, hardLink('./usr/share/foo/h', './usr/share/foo/nothere')] }, /the hard link "\.\/usr\/share\/foo\/h" names "\.\/usr\/share\/foo\/nothere"/, 'dpkg -i'],
  ['a hard link to a directory', { data: [...DATA, hardLink('./usr/share/foo/h', './usr/share/foo/')] }, /names "\.\/usr\/share\/foo\/", which is not a regular file/, 'dpkg -i'],
  ['a hard link to a symlink', { data: [...DATA, symlink('./usr/share/foo/s', 'a.txt'), hardLink('./usr/share/foo/h', './usr/share/foo/s')] }, /names "\.\/usr\/share\/foo\/s", which is not a regular file/, 'dpkg -i'],
  ['a file below an earlier symlink', { data: [...DATA, symlink('./usr/share/foo/s', '/etc'), file('./usr/share/foo/s/evil', 'x')] }, /"\.\/usr\/share\/foo\/s\/evil" is below "usr\/share\/foo\/s", which an earlier entry made a symlink/, 'dpkg -i'],
  ['a file below an earlier file', { data: [...DATA, file('./usr/share/foo/a.txt/x', 'x')] }, /which an earlier entry made a file, not a directory/, 'dpkg -i'],
  ['an empty (0-byte) data.tar', { dataBytes: new Uint8Array(0) }, /data\.tar is empty \(0 bytes\), not a tar archive/, 'dpkg-deb -x'],
  // what dpkg installs, readDeb reads
  ['a well-formed package', {}, undefined, 'dpkg -i'],
  ['Essential: Yes, Multi-Arch: allowed', { control: `${CONTROL}Essential: Yes\nMulti-Arch: allowed\n` }, undefined, 'dpkg -i'],
  ['Description and Built-Using on continuation lines', { control: CONTROL.replace('Description: test\n', 'Description:\n test\n') + 'Built-Using:\n bar (= 1)\n' }, undefined, 'dpkg -i'],
  ['conffiles with a blank line and a remove-on-upgrade flag', { controlExtra: [file('./conffiles', '\n/usr/share/foo/a.txt\nremove-on-upgrade /etc/gone\n')] }, undefined, 'dpkg -i'],
  ['hard links to an earlier file, named with and without "./"', { data: [...DATA, hardLink('./usr/share/foo/h', './usr/share/foo/a.txt'), hardLink('./usr/share/foo/i', 'usr/share/foo/a.txt')] }, undefined, 'dpkg -i'],
  ['a symlink then a directory at the same path, then a file below it', { data: [...DATA, symlink('./usr/share/foo/s', '/etc'), dir('./usr/share/foo/s/'), file('./usr/share/foo/s/x', 'x')] }, undefined, 'dpkg -i'],
  ['an empty data.tar (end blocks only)', { data: [] }, undefined, 'dpkg -i'],
];

describe('readDeb refuses what dpkg refuses', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'half-dpkg-refusals-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.each(CASES.map((c, i) => [i, ...c] as const))('%i: %s', async (i, _what, parts, ours, judge) => {
    const bytes = deb(parts);
    const read = await readDeb(bytes, 'foo_1.0_all.deb').then(() => undefined, (e: unknown) => e);
    if (ours === undefined) expect(read).toBeUndefined();
    else {
      expect(read).toBeInstanceOf(PackageFormatError);
      expect((read as Error).message).toMatch(/^foo_1\.0_all\.deb: /);
      expect((read as Error).message).toMatch(ours);
      expect((read as PackageFormatError).hint).toBeTruthy();
    }
    const here = join(work, String(i));
    const root = join(here, 'root');
    const path = join(here, 'foo_1.0_all.deb');
    await mkdir(join(root, 'var', 'lib', 'dpkg', 'updates'), { recursive: true });
    await mkdir(join(root, 'var', 'lib', 'dpkg', 'info'), { recursive: true });
    await writeFile(join(root, 'var', 'lib', 'dpkg', 'status'), '');
    await writeFile(path, bytes);
    requireTool('dpkg');
    const judged = judge === 'dpkg -i' ? await run('dpkg', [`--root=${root}`, '--log=/dev/null', '--force-script-chrootless', '--force-depends', '-i', path]) : await run('dpkg-deb', ['-x', path, join(here, 'x')]);
    expect(judged.exitCode === 0, `${judge}: ${judged.stderr}`).toBe(ours === undefined);
  });

  it('refuses an absolute control.tar member name, which dpkg-deb never writes (stricter than dpkg, whose tar strips the "/")', async () => {
    const read = await readDeb(deb({ controlExtra: [file('/postinst', '#!/bin/sh\n', 0o755)] }), 'foo_1.0_all.deb').then(() => undefined, (e: unknown) => e);
    expect(read).toBeInstanceOf(PackageFormatError);
    expect((read as Error).message).toBe('foo_1.0_all.deb: control.tar holds "/postinst", which is not a name below the control directory');
  });
});
