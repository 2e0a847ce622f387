// Resolving a definition into installed entries: parents implied, explicit modes, every mtime
// SOURCE_DATE_EPOCH, and the conflicts only visible once trees are walked.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInstallTree, type InstallEntry } from '../../../repo-tool/src/deb/install-tree.js';
import type { PackageDefinition } from '../../../repo-tool/src/model/definition.js';
import { DefinitionError } from '../../../repo-tool/src/model/errors.js';

const EPOCH = 1_700_000_000;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'half-install-tree-'));
  await mkdir(join(root, 'tree', 'sub'), { recursive: true });
  await writeFile(join(root, 'tree', 'sub', 'f'), 'f');
  await writeFile(join(root, 'old'), 'old');
  await utimes(join(root, 'old'), EPOCH - 5000, EPOCH - 5000);
  await writeFile(join(root, 'new'), 'new');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const base: PackageDefinition = { name: 'tt', version: '1', architecture: 'all', maintainer: 'A <a@example.org>', description: { synopsis: 's' } };

function byPath(entries: InstallEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((e) => [e.path, `${e.kind}${e.kind === 'symlink' ? '' : ` ${e.mode.toString(8)}`} ${e.mtime}`]));
}

describe('resolveInstallTree', () => {
  it('adds every parent directory (0755), and gives every entry SOURCE_DATE_EPOCH, whatever its file\'s time', async () => {
    const entries = await resolveInstallTree(
      { ...base, files: [{ path: '/usr/share/tt/old', content: { from: 'old' } }, { path: '/usr/share/tt/new', content: { from: 'new' } }, { path: '/usr/bin/tt', content: '#!/bin/sh\n', mode: 0o755 }] },
      { root, mtime: EPOCH },
    );
    expect(byPath(entries)).toEqual({
      '/usr/share/tt/old': `file 644 ${EPOCH}`, // older than the epoch on disk: a checkout's time, not the package's
      '/usr/share/tt/new': `file 644 ${EPOCH}`,
      '/usr/bin/tt': `file 755 ${EPOCH}`,
      '/usr': `directory 755 ${EPOCH}`,
      '/usr/share': `directory 755 ${EPOCH}`,
      '/usr/share/tt': `directory 755 ${EPOCH}`,
      '/usr/bin': `directory 755 ${EPOCH}`,
    });
  });

  it('lets an explicit directory set the mode of a tree folder', async () => {
    const entries = await resolveInstallTree({ ...base, trees: [{ from: 'tree', to: '/opt/tt' }], directories: [{ path: '/opt/tt/sub', mode: 0o750 }] }, { root, mtime: EPOCH });
    expect(byPath(entries)['/opt/tt/sub']).toBe(`directory 750 ${EPOCH}`);
    expect(byPath(entries)['/opt/tt/sub/f']).toBe(`file 644 ${EPOCH}`);
  });

  const conflicts: [string, Partial<PackageDefinition>, RegExp][] = [
    ['a tree file also given explicitly', { trees: [{ from: 'tree', to: '/opt/tt' }], files: [{ path: '/opt/tt/sub/f', content: 'x' }] }, /trees\[tree\]: "\/opt\/tt\/sub\/f" is installed twice/],
    ['an entry below a file', { files: [{ path: '/opt/x', content: 'x' }], symlinks: [{ path: '/opt/x/y', target: 'z' }] }, /"\/opt\/x" is a file but "\/opt\/x\/y" is installed below it/],
    ['a tree conffile that is not in the tree', { trees: [{ from: 'tree', to: '/etc/tt', conffiles: ['absent'] }] }, /conffile "absent" is not a file of the tree/],
  ];
  for (const [what, change, message] of conflicts) {
    it(`refuses ${what} with a DefinitionError`, async () => {
      const error = await resolveInstallTree({ ...base, ...change }, { root, mtime: EPOCH }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as Error).message).toMatch(/^package "tt": /);
      expect((error as Error).message).toMatch(message);
    });
  }
});
