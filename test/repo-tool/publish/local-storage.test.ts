import { existsSync } from 'node:fs';
import { readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishError } from '../../../repo-tool/src/model/errors.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';

describe('LocalStorage', () => {
  let dir: string;
  let storage: LocalStorage;
  beforeAll(async () => {
    dir = await makeTempDir('storage');
    storage = new LocalStorage(dir);
  });
  afterAll(async () => removeTempDir(dir));

  it('publishes world-readable files and folders whatever the umask, the repository\'s own folder too', async () => {
    const fresh = new LocalStorage(join(dir, 'fresh', 'public'));
    const saved = process.umask(0o077);
    try {
      await fresh.writeFile('u/v/file', new TextEncoder().encode('x'));
      await fresh.symlink('file', 'u/w/link');
      await writeFile(join(dir, 'fresh', 'public', 'u', 'old'), 'an older publish left it 0600');
      await fresh.link('u/old', 'u/linked');
    } finally {
      process.umask(saved);
    }
    const mode = async (path: string) => (await stat(join(dir, 'fresh', path))).mode & 0o777;
    expect(await mode('public/u/v/file')).toBe(0o644);
    expect(await mode('public/u/linked')).toBe(0o644);
    for (const folder of ['fresh', 'public', 'public/u', 'public/u/v', 'public/u/w']) expect(await mode(folder === 'fresh' ? '.' : folder), folder).toBe(0o755);
  });

  it('links without replacing, renames in place, and lists files and symlinks', async () => {
    await storage.writeFile('a/b/one', new TextEncoder().encode('1'));
    expect(await storage.link('a/b/one', 'a/c/two')).toBe(true);
    expect(await storage.link('a/b/one', 'a/c/two')).toBe(false);
    expect((await stat(join(dir, 'a/b/one'))).ino).toBe((await stat(join(dir, 'a/c/two'))).ino);
    await storage.symlink('b', 'a/link');
    expect(await readlink(join(dir, 'a/link'))).toBe('b');
    expect(await storage.readLink('a/link')).toBe('b');
    expect(await storage.list('a')).toEqual(['a/b/one', 'a/c/two', 'a/link']);
    expect(await storage.list('missing')).toEqual([]);
    expect(await storage.statMany(['a/b/one', 'nope'])).toEqual([expect.objectContaining({ size: 1 }), undefined]);
  });

  it('prunes directories a removal leaves empty, never the root', async () => {
    await storage.writeFile('x/y/z/file', new Uint8Array());
    await storage.remove('x/y/z/file');
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect(existsSync(dir)).toBe(true);
  });

  it('refuses paths that leave the tree', async () => {
    for (const bad of ['../etc/passwd', '/etc/passwd', 'a/../../x', 'a//b', '']) {
      await expect(storage.readFile(bad)).rejects.toThrow(PublishError);
    }
  });
});
