import { existsSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
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

  it('leaves a stale lock to the publisher already taking it over, and clears a takeover its publisher died in', async () => {
    const storage = new LocalStorage(join(dir, 'takeover'));
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode('999\n'));
    await storage.writeFile(`${LOCK_PATH}.takeover`, new TextEncoder().encode('555\n'));
    await expect(acquireLock(storage, { pid: 333, isAlive: () => false })).rejects.toThrow(/another half-repo is taking over its stale lock/);
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('999\n');
    const old = new Date(Date.now() - 120_000);
    await utimes(join(dir, 'takeover', `${LOCK_PATH}.takeover`), old, old);
    const release = await acquireLock(storage, { pid: 333, isAlive: () => false });
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('333\n');
    expect((await storage.list('.half-repo')).sort()).toEqual([LOCK_PATH]);
    // a release removes only its own lock
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode('444\n'));
    await release();
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('444\n');
  });

  it('lets exactly one of two publishers take over a stale lock that both read as stale', async () => {
    const storage = new LocalStorage(join(dir, 'race'));
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode('999\n')); // its publisher died
    // A reads the stale lock, then stalls until B has judged it stale too and taken the lock.
    let bHolds: () => void = () => undefined;
    const bHeld = new Promise<void>((resolve) => (bHolds = resolve));
    const slow: typeof storage = Object.create(storage) as typeof storage;
    let stalled = false;
    slow.readFile = async (path: string) => {
      const bytes = await storage.readFile(path);
      if (path === LOCK_PATH && !stalled) {
        stalled = true;
        await bHeld;
      }
      return bytes;
    };
    const isAlive = (pid: number) => pid === 111 || pid === 222;
    const a = acquireLock(slow, { pid: 111, isAlive }).then(() => 'a', (e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20)); // A is stalled on its read
    const b = await acquireLock(storage, { pid: 222, isAlive });
    bHolds();
    expect(String(await a)).toMatch(/another half-repo \(pid 222\) is publishing/);
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('222\n');
    expect(await storage.list('.half-repo')).toEqual([LOCK_PATH]);
    await b();
  });
});
