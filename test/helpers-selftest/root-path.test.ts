import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInRoot } from '../helpers/root-path.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'half-rootpath-'));
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'etc'), { recursive: true });
  await symlink('usr/bin', join(root, 'bin')); // merged /usr
  await symlink('/etc/real', join(root, 'etc/absolute')); // absolute: means ROOT/etc/real
  await symlink('../../../../..', join(root, 'etc/climb')); // tries to leave the root
  await symlink('loop-b', join(root, 'etc/loop-a'));
  await symlink('loop-a', join(root, 'etc/loop-b'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveInRoot', () => {
  it.each([
    ['/bin/sh', 'usr/bin/sh'],
    ['/etc/absolute', 'etc/real'],
    ['/etc/absolute/deeper/file', 'etc/real/deeper/file'],
    ['/etc/climb/etc/passwd', 'etc/passwd'],
    ['/../../etc/passwd', 'etc/passwd'],
    ['/missing/../etc/./x', 'etc/x'],
    ['/missing/a/../../../../b', 'b'],
    ['/', ''],
  ])('%s → ROOT/%s', async (path, expected) => {
    expect(await resolveInRoot(root, path)).toBe(join(root, expected));
  });

  it('refuses relative paths and symlink loops', async () => {
    await expect(resolveInRoot(root, 'etc/x')).rejects.toThrow(/must be an absolute path/);
    await expect(resolveInRoot(root, '/etc/loop-a')).rejects.toThrow(/too many symbolic links/);
  });
});
