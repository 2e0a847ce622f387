// The backport build lock: one holder at a time across processes, a dead holder's lock taken over.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

it('lets one process in at a time when several start at once, on a free lock and on a dead builder\'s', async () => {
  const REPO = new URL('../../../', import.meta.url).pathname;
  // each worker takes the lock, proves it is alone inside (an O_EXCL file), stays 100 ms, leaves
  const worker = `
    import { open, rm } from 'node:fs/promises';
    import { acquireBuildLock } from './repo-tool/src/backport/build-lock.ts';
    const [dir, start] = [process.argv[1], Number(process.argv[2])];
    while (Date.now() < start) {}
    const release = await acquireBuildLock(dir + '/c.lock', () => {});
    let alone = true;
    try { await (await open(dir + '/inside', 'wx')).close(); } catch { alone = false; }
    await new Promise((r) => setTimeout(r, 100));
    if (alone) await rm(dir + '/inside');
    await release();
    console.log(alone ? 'alone' : 'TOGETHER');
  `;
  const exec = promisify(execFile);
  for (const stale of [false, true]) {
    if (stale) await writeFile(join(dir, 'c.lock'), `${(await run('sh', ['-c', 'echo $$'])).stdout.trim()}\n`);
    const start = Date.now() + 1500;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', worker, dir, String(start)], { cwd: REPO })),
    );
    expect(runs.map((r) => r.stdout.trim()), stale ? 'on a dead builder\'s lock' : 'on a free lock').toEqual(['alone', 'alone', 'alone', 'alone']);
    await expect(readFile(join(dir, 'c.lock'))).rejects.toThrow();
  }
}, 60_000);
