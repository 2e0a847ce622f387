// Reading what a build produced from its .changes and .dsc, on files written by the real
// dpkg-genchanges and dpkg-source (a tiny native package built on the host).
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../../repo-tool/src/backport/backport-cache.js';
import { buildOutputs, sha256List } from '../../../repo-tool/src/backport/collect.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';

let dir: string;
let changes: string;
let dsc: string;

beforeAll(async () => {
  for (const tool of ['dpkg-buildpackage', 'dh']) requireTool(tool);
  dir = await mkdtemp(join(tmpdir(), 'half-collect-'));
  const tree = join(dir, 'tiny-1.0');
  const files: Record<string, string> = {
    'debian/changelog': 'tiny (1.0~bpo12+half1) bookworm; urgency=medium\n\n  * Test.\n\n -- A B <a@example.org>  Thu, 01 Jan 2026 00:00:00 +0000\n',
    'debian/control':
      'Source: tiny\nSection: misc\nPriority: optional\nMaintainer: A B <a@example.org>\nBuild-Depends: debhelper-compat (= 13)\n' +
      'Standards-Version: 4.6.2\nRules-Requires-Root: no\n\nPackage: tiny\nArchitecture: all\nDescription: tiny\n tiny\n',
    'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    'debian/source/format': '3.0 (native)\n',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), text, { mode: path === 'debian/rules' ? 0o755 : 0o644 });
  }
  const built = await run('dpkg-buildpackage', ['-us', '-uc'], { cwd: tree });
  expect(built.exitCode, built.stderr).toBe(0);
  changes = await readFile(join(dir, 'tiny_1.0~bpo12+half1_amd64.changes'), 'utf8').catch(() => readFile(join(dir, 'tiny_1.0~bpo12+half1_source.changes'), 'utf8'));
  dsc = await readFile(join(dir, 'tiny_1.0~bpo12+half1.dsc'), 'utf8');
});
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('buildOutputs', () => {
  it('names the .debs and .buildinfo of a real .changes with their real sizes and hashes', async () => {
    const outputs = buildOutputs(changes, 'tiny.changes');
    expect(outputs.version).toBe('1.0~bpo12+half1');
    expect(outputs.binaries.map((b) => b.name)).toEqual(['tiny_1.0~bpo12+half1_all.deb']);
    for (const file of [...outputs.binaries, outputs.buildinfo!]) {
      expect((await stat(join(dir, file.name))).size).toBe(file.size);
      expect(await sha256File(join(dir, file.name))).toBe(file.sha256);
    }
  });

  it('leaves out debug symbol packages', () => {
    const line = ` ${'e'.repeat(64)} 1 tiny-dbgsym_1.0~bpo12+half1_amd64.deb\n`;
    const withDebug = changes.replace(/^Checksums-Sha256:\n/m, `Checksums-Sha256:\n${line}`);
    expect(buildOutputs(withDebug, 'x').binaries.map((b) => b.name)).toEqual(['tiny_1.0~bpo12+half1_all.deb']);
  });
});

describe('sha256List', () => {
  it('lists the files of a real .dsc', async () => {
    const { version, files } = sha256List(dsc, 'tiny.dsc');
    expect(version).toBe('1.0~bpo12+half1');
    expect(files.map((f) => f.name)).toEqual(['tiny_1.0~bpo12+half1.tar.xz']);
    expect(await sha256File(join(dir, files[0]!.name))).toBe(files[0]!.sha256);
  });

  it('refuses a file without checksums or with a malformed line', () => {
    expect(() => sha256List('Format: 3.0 (native)\nVersion: 1\n', 'x.dsc')).toThrow(PackageFormatError);
    expect(() => sha256List('Version: 1\nChecksums-Sha256:\n abc 1 ../x\n', 'x.dsc')).toThrow(/malformed Checksums-Sha256 line/);
  });
});
