// The backport build lock: one holder at a time across processes, and across pid namespaces (a
// container sharing the cache), where a pid means nothing; a lock file left by a dead holder
// does not stop the next build; a build whose holder was killed knows it before it stores.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { acquireBuildLock } from '../../../repo-tool/src/backport/build-lock.js';
import { tryFlock } from '../../../repo-tool/src/model/flock-hold.js';
import { holdFlockElsewhere } from '../../helpers/flock-holder.js';
import { killFlockCommand } from '../../helpers/flock-killer.js';
import { requireTool, run } from '../../helpers/tools.js';

let dir: string;
let gone: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-build-lock-'));
  gone = (await run('sh', ['-c', 'echo $$'])).stdout.trim(); // a pid that has exited by now
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('writes its pid, makes a second taker wait for the release and names the holder', async () => {
  const path = join(dir, 'a.lock');
  const { release } = await acquireBuildLock(path, () => undefined);
  expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
  let waitedFor: number | undefined;
  let second = false;
  const taking = acquireBuildLock(path, (pid) => (waitedFor = pid)).then((r) => ((second = true), r));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(second).toBe(false);
  expect(waitedFor).toBe(process.pid);
  await release();
  const { release: releaseSecond } = await taking;
  expect(second).toBe(true);
  await releaseSecond();
});

it('takes at once a lock file left by a process that no longer exists', async () => {
  const path = join(dir, 'b.lock');
  await writeFile(path, `${gone}\n`);
  let waited = false;
  const { release } = await acquireBuildLock(path, () => (waited = true));
  expect(waited).toBe(false);
  expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
  await release();
});

it.runIf(process.getuid?.() === 0)('waits for a holder in another pid namespace, whose pid is no process here', async () => {
  requireTool('unshare');
  const path = join(dir, 'ns.lock');
  // a build in a container: pid 1 there; its lock file names a pid that is gone here
  const container = await holdFlockElsewhere(path, `echo ${gone} > ${path}`);
  let waitedFor: number | undefined;
  let taken = false;
  const taking = acquireBuildLock(path, (pid) => (waitedFor = pid)).then((r) => ((taken = true), r));
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(taken, 'a pid lock would have judged it stale and taken it').toBe(false);
    expect(waitedFor).toBe(Number(gone));
  } finally {
    await container.stop();
  }
  const { release } = await taking;
  await release();
}, 30_000);

it('lets one process in at a time when several start at once', async () => {
  const REPO = new URL('../../../', import.meta.url).pathname;
  // each worker takes the lock, proves it is alone inside (an O_EXCL file), stays 100 ms, leaves
  const worker = `
    import { open, rm } from 'node:fs/promises';
    import { acquireBuildLock } from './repo-tool/src/backport/build-lock.ts';
    const [dir, start] = [process.argv[1], Number(process.argv[2])];
    while (Date.now() < start) {}
    const { release } = await acquireBuildLock(dir + '/c.lock', () => {});
    let alone = true;
    try { await (await open(dir + '/inside', 'wx')).close(); } catch { alone = false; }
    await new Promise((r) => setTimeout(r, 100));
    if (alone) await rm(dir + '/inside');
    await release();
    console.log(alone ? 'alone' : 'TOGETHER');
  `;
  const exec = promisify(execFile);
  const start = Date.now() + 1500;
  const runs = await Promise.all(
    Array.from({ length: 4 }, () => exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', worker, dir, String(start)], { cwd: REPO })),
  );
  expect(runs.map((r) => r.stdout.trim())).toEqual(['alone', 'alone', 'alone', 'alone']);
}, 60_000);

it('stops confirming once something kills the process holding its flock, so a build never stores into another\'s entry', async () => {
  const path = join(dir, 'd.lock');
  const lock = await acquireBuildLock(path, () => undefined);
  lock.confirm();
  killFlockCommand(path);
  const refuses = (): boolean => {
    try {
      lock.confirm();
      return false;
    } catch {
      return true;
    }
  };
  for (const start = Date.now(); !refuses(); ) {
    if (Date.now() - start > 5_000) throw new Error('confirm() still passes 5 s after the holder was killed');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(() => lock.confirm()).toThrow(`lost the build lock ${path}: the flock(1) process holding it for this half-repo ended`);
  // the danger it guards against: another build can take the lock now
  const other = await tryFlock(path);
  expect(other, 'the lock is free for another build').toBeDefined();
  await other?.release();
  await lock.release();
});
