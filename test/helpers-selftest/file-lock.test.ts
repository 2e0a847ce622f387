import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFileLock } from '../helpers/file-lock.js';
import { run } from '../helpers/tools.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Whether another process could take the lock right now (flock --nonblock). */
async function freeForOthers(lock: string): Promise<boolean> {
  return (await run('flock', ['--nonblock', '--exclusive', lock, 'true'])).exitCode === 0;
}

describe('withFileLock', () => {
  it('holds a kernel lock other processes see, and releases it afterwards', async () => {
    const lock = join(dir, 'a.lock');
    const seen = await withFileLock(lock, () => freeForOthers(lock));
    expect(seen).toBe(false);
    expect(await freeForOthers(lock)).toBe(true);
  });

  it('runs concurrent holders one after the other', async () => {
    const lock = join(dir, 'b.lock');
    let inside = 0;
    const overlaps: number[] = [];
    const holder = async (): Promise<void> => {
      inside += 1;
      overlaps.push(inside);
      await run('sleep', ['0.2']); // long enough for the others to be started and waiting
      inside -= 1;
    };
    await Promise.all([withFileLock(lock, holder), withFileLock(lock, holder), withFileLock(lock, holder)]);
    expect(overlaps).toEqual([1, 1, 1]);
  });

  it('releases the lock when the body throws, and passes the error on', async () => {
    const lock = join(dir, 'c.lock');
    await expect(withFileLock(lock, () => Promise.reject(new Error('body failed')))).rejects.toThrow('body failed');
    expect(await freeForOthers(lock)).toBe(true);
  });
});
