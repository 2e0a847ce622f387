// The backport build lock: one holder at a time across processes, a dead holder's lock taken over.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acquireBuildLock } from '../../../repo-tool/src/backport/build-lock.js';
import { run } from '../../helpers/tools.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-build-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('writes its pid, makes a second taker wait for the release, and removes the file', async () => {
  const path = join(dir, 'a.lock');
  const release = await acquireBuildLock(path, () => undefined);
  expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
  let waitedFor: number | undefined;
  let second = false;
  const taking = acquireBuildLock(path, (pid) => (waitedFor = pid)).then((r) => ((second = true), r));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(second).toBe(false);
  expect(waitedFor).toBe(process.pid);
  await release();
  const releaseSecond = await taking;
  expect(second).toBe(true);
  await releaseSecond();
  await expect(readFile(path)).rejects.toThrow();
});

it('takes over the lock of a process that no longer exists', async () => {
  const path = join(dir, 'b.lock');
  const gone = await run('sh', ['-c', 'echo $$']); // a pid that has exited by now
  await writeFile(path, `${gone.stdout.trim()}\n`);
  let waited = false;
  const release = await acquireBuildLock(path, () => (waited = true));
  expect(waited).toBe(false);
  expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
  await release();
});
