// The debian/ edits as data, then applied to a real debhelper package built on the host with
// dpkg-buildpackage: dh_installexamples must install the HALF files where we say it will.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatChangelogEntry } from '../../../repo-tool/src/backport/changelog-entry.js';
import { debianEdits, type DebianTreeState, type EditsInput } from '../../../repo-tool/src/backport/debian-edits.js';
import { EXAMPLES_DIR, HALF_EXAMPLE_FILES } from '../../../repo-tool/src/backport/half-examples.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';

const CHANGELOG = 'hello (1.0-1) unstable; urgency=medium\n\n  * Initial release.\n\n -- A Maintainer <a@example.org>  Thu, 01 Jan 2026 00:00:00 +0000\n';
const ENTRY = formatChangelogEntry({
  package: 'hello',
  version: '1.0-1~bpo12+half1',
  distribution: 'bookworm',
  urgency: 'medium',
  changes: ['Backport.'],
  maintainer: 'HALF Backports <half-backports@localhost>',
  date: 1_767_312_000,
});
const INPUT: EditsInput = { sourcePackage: 'hello', sourceVersion: '1.0-1', binaryPackage: 'hello', changelogEntry: ENTRY, examples: HALF_EXAMPLE_FILES };
const PLAIN: DebianTreeState = { changelog: CHANGELOG, packageExamples: undefined, plainExamples: undefined };

describe('debianEdits', () => {
  it('writes the changelog, the HALF files and a new debian/PACKAGE.examples', () => {
    const edits = debianEdits(PLAIN, INPUT);
    expect(edits.map((e) => e.path)).toEqual(['debian/changelog', 'debian/half/keepalived.conf.HALF', 'debian/half/README.HALF', 'debian/hello.examples']);
    expect(edits[0]?.text.startsWith(ENTRY)).toBe(true);
    expect(edits[0]?.text.endsWith(CHANGELOG)).toBe(true);
    expect(edits[3]?.text).toBe('debian/half/keepalived.conf.HALF\ndebian/half/README.HALF\n');
  });

  it('extends the examples list the package already uses, once', () => {
    const own = debianEdits({ ...PLAIN, packageExamples: 'doc/samples/*', plainExamples: 'ignored' }, INPUT);
    expect(own.at(-1)).toEqual({ path: 'debian/hello.examples', text: 'doc/samples/*\ndebian/half/keepalived.conf.HALF\ndebian/half/README.HALF\n' });
    const plain = debianEdits({ ...PLAIN, plainExamples: 'debian/half/README.HALF\n' }, INPUT);
    expect(plain.at(-1)).toEqual({ path: 'debian/examples', text: 'debian/half/README.HALF\ndebian/half/keepalived.conf.HALF\n' });
  });

  it('refuses a tree whose changelog is not the planned source', () => {
    expect(() => debianEdits(PLAIN, { ...INPUT, sourceVersion: '1.0-2' })).toThrow(PackageFormatError);
    expect(() => debianEdits({ ...PLAIN, changelog: 'garbage\n' }, INPUT)).toThrow(/no readable first entry/);
  });
});

describe('the edits in a real debhelper build', () => {
  let dir: string;
  beforeAll(async () => {
    for (const tool of ['dpkg-buildpackage', 'dh', 'dpkg-deb']) requireTool(tool);
    dir = await mkdtemp(join(tmpdir(), 'half-edits-'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('installs both HALF files into the examples directory and carries the backport version', async () => {
    const tree = join(dir, 'hello-1.0');
    const files: Record<string, string> = {
      'debian/changelog': CHANGELOG,
      'debian/control':
        'Source: hello\nSection: misc\nPriority: optional\nMaintainer: A Maintainer <a@example.org>\nBuild-Depends: debhelper-compat (= 13)\n' +
        'Standards-Version: 4.6.2\nRules-Requires-Root: no\n\nPackage: hello\nArchitecture: all\nDescription: test package\n a test package\n',
      'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
      'debian/source/format': '3.0 (native)\n',
      'debian/docs': 'README\n',
      README: 'hello\n',
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await writeFile(join(tree, path), text, { mode: path === 'debian/rules' ? 0o755 : 0o644 });
    }
    for (const edit of debianEdits(PLAIN, INPUT)) {
      await mkdir(dirname(join(tree, edit.path)), { recursive: true });
      await writeFile(join(tree, edit.path), edit.text);
    }
    const built = await run('dpkg-buildpackage', ['-us', '-uc', '-b'], { cwd: tree, env: { DEB_BUILD_OPTIONS: 'noddebs' } });
    expect(built.exitCode, built.stderr).toBe(0);
    const deb = join(dir, 'hello_1.0-1~bpo12+half1_all.deb');
    expect((await run('dpkg-deb', ['-f', deb, 'Version'], { check: true })).stdout.trim()).toBe('1.0-1~bpo12+half1');
    const listing = (await run('dpkg-deb', ['-c', deb], { check: true })).stdout;
    // EXAMPLES_DIR is keepalived's; this package is called hello.
    const examplesDir = EXAMPLES_DIR.replace('/keepalived/', '/hello/');
    for (const file of HALF_EXAMPLE_FILES) expect(listing).toContain(` .${examplesDir}/${file.name}\n`);
    const extracted = join(dir, 'x');
    await run('dpkg-deb', ['-x', deb, extracted], { check: true });
    for (const file of HALF_EXAMPLE_FILES) expect(await readFile(join(extracted, examplesDir, file.name), 'utf8')).toBe(file.text);
  });
});
