// The flock the kernel drops with its holder: one holder at a time, a waiter let in at the
// release, and a holder killed with SIGKILL (no release, no exit handler) frees the lock.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { tryFlock, waitFlock } from '../../../repo-tool/src/model/flock-hold.js';
import { requireTool, run } from '../../helpers/tools.js';

let dir: string;
beforeAll(async () => {
  requireTool('flock');
  dir = await mkdtemp(join(tmpdir(), 'half-flock-hold-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('refuses a second taker while held, lets a waiter in at the release, and says why it cannot open', async () => {
  const path = join(dir, 'a.lock');
  const first = await tryFlock(path);
  expect(first).toBeDefined();
  expect(await tryFlock(path)).toBeUndefined();
  expect((await run('flock', ['--nonblock', path, 'true'])).exitCode, 'flock(1) sees it held').toBe(1);
  let waited = false;
  const waiting = waitFlock(path).then((hold) => ((waited = true), hold));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(waited).toBe(false);
  expect(first!.lost()).toBe(false);
  await first!.release();
  expect(first!.lost(), 'a release is not a loss').toBe(false);
  const second = await waiting;
  await second.release();
  expect((await run('flock', ['--nonblock', path, 'true'])).exitCode, 'free after the release').toBe(0);
  await expect(tryFlock(join(dir, 'missing', 'b.lock'))).rejects.toThrow(/flock .*missing\/b\.lock: .*No such file or directory/);
});

it('does not keep its holder alive, and is freed when the holder ends', async () => {
  const path = join(dir, 'd.lock');
  const REPO = new URL('../../../', import.meta.url).pathname;
  // takes the lock and never releases it: the process must end by itself all the same
  const holder = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { tryFlock } from './repo-tool/src/model/flock-hold.ts';
    console.log((await tryFlock(process.argv[1])) === undefined ? 'busy' : 'holding');
  `, path], { cwd: REPO, timeout: 20_000 });
  expect(holder.stdout).toBe('holding');
  const hold = await waitFlock(path);
  await hold.release();
}, 30_000);

it('is freed when its holder is killed with SIGKILL', async () => {
  const path = join(dir, 'c.lock');
  const REPO = new URL('../../../', import.meta.url).pathname;
  const holder = execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { tryFlock } from './repo-tool/src/model/flock-hold.ts';
    const hold = await tryFlock(process.argv[1]);
    console.log(hold === undefined ? 'busy' : 'holding');
    setInterval(() => {}, 1000);
  `, path], { cwd: REPO, reject: false });
  await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
  expect(await tryFlock(path)).toBeUndefined();
  holder.kill('SIGKILL');
  await holder;
  // the holder's child reads EOF on its pipe and ends, dropping the lock (within milliseconds)
  const hold = await waitFlock(path);
  await hold.release();
}, 30_000);
