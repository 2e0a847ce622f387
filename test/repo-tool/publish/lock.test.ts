import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { acquireLock, LOCK_PATH } from '../../../repo-tool/src/publish/lock.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';

describe('publish lock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('lock');
  });
  afterAll(async () => removeTempDir(dir));

  it('refuses a second publisher while the first is alive, and takes over a dead one', async () => {
    const storage = new LocalStorage(dir);
    const release = await acquireLock(storage, { pid: 1111, isAlive: () => true });
    await expect(acquireLock(storage, { pid: 2222, isAlive: (pid) => pid === 1111 })).rejects.toThrow(/another half-repo \(pid 1111\) is publishing/);
    // 1111 died without releasing: the lock is stale.
    const second = await acquireLock(storage, { pid: 2222, isAlive: () => false });
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('2222\n');
    await second();
    expect(existsSync(join(dir, LOCK_PATH))).toBe(false);
    expect(existsSync(join(dir, '.half-repo'))).toBe(false);
    void release;
  });
});
