// The flock the kernel drops with its holder: one holder at a time, a waiter let in at the
// release, and a holder killed with SIGKILL (no release, no exit handler) frees the lock.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
  await expect(tryFlock(join(dir, 'missing', 'b.lock'))).rejects.toThrow(/flock .*missing\/b\.lock: .*No such file or directory/i);
});

it.runIf(process.getuid?.() === 0)('makes the lock file this account\'s alone, so another account cannot hold it and keep every taker out', async () => {
  const shared = join(dir, 'shared'); // a cache or repository folder others can enter
  await mkdir(shared);
  await chmod(dir, 0o755);
  await chmod(shared, 0o755);
  const made = join(shared, 'made.lock');
  const older = join(shared, 'older.lock');
  await writeFile(older, '4242\n', { mode: 0o644 }); // as flock(1) made them under the umask
  for (const path of [made, older]) {
    await (await waitFlock(path)).release();
    expect((await stat(path)).mode & 0o777, path).toBe(0o600);
    const other = await run('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'flock', '--nonblock', '--shared', path, 'true']);
    expect(other.exitCode, path).not.toBe(0);
    expect(other.stderr).toContain('Permission denied');
  }
  expect(await readFile(older, 'utf8'), 'its content stays').toBe('4242\n');
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

it('lets no waiting flock(1) outlive its taker, which would take the lock for a process that is gone', async () => {
  const path = join(dir, 'e.lock');
  const REPO = new URL('../../../', import.meta.url).pathname;
  const held = await tryFlock(path);
  expect(held).toBeDefined();
  // waits for the lock and says which processes wait with it, then is killed with SIGKILL
  const taker = execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { readdirSync, readFileSync } from 'node:fs';
    import { waitFlock } from './repo-tool/src/model/flock-hold.ts';
    void waitFlock(process.argv[1]);
    setTimeout(() => {
      const children = readdirSync('/proc/self/task').flatMap((t) => readFileSync('/proc/self/task/' + t + '/children', 'utf8').split(' ').filter(Boolean));
      console.log(children.join(' '));
    }, 500);
    setInterval(() => {}, 1000);
  `, path], { cwd: REPO, reject: false });
  const waiting = await new Promise<number[]>((resolve) => taker.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim().split(' ').map(Number))));
  expect(waiting.length).toBeGreaterThan(0);
  taker.kill('SIGKILL');
  await taker;
  const deadline = Date.now() + 5_000;
  while (waiting.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(waiting.filter((pid) => existsSync(`/proc/${pid}`)), 'waiting flock(1) still running').toEqual([]);
  await held!.release();
}, 30_000);
