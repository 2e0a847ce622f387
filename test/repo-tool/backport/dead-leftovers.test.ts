// What a stopped backport build leaves in the cache, judged by the lock its maker held (an
// flock beside it): a lock someone holds, here or in another pid namespace, keeps its leftovers;
// a free lock lets them go, but never this process's, one whose pid runs here, or a root kept on
// purpose. A holder removes its own lock's other leftovers. Any backport run as root sweeps,
// whatever its key, even one that builds nothing.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BackportPlan } from '../../../repo-tool/src/backport/backport-plan.js';
import { acquireBuildLock } from '../../../repo-tool/src/backport/build-lock.js';
import { IMAGE_TEMP_NAME, KEPT_MARKER, leftoverLock, sweepHeld, sweepUnlocked, WORK_DIR_NAME } from '../../../repo-tool/src/backport/dead-leftovers.js';
import { PublishedVersionError, runBackport } from '../../../repo-tool/src/backport/run-backport.js';
import { holdFlockElsewhere } from '../../helpers/flock-holder.js';
import { requireTool, run } from '../../helpers/tools.js';

let dir: string;
let gone: string;
let kept: string;
beforeAll(async () => {
  requireTool('flock');
  dir = await mkdtemp(join(tmpdir(), 'half-dead-leftovers-'));
  gone = (await run('sh', ['-c', 'echo $$'])).stdout.trim(); // exited by now
  kept = (await run('sh', ['-c', 'echo $$'])).stdout.trim();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A cache as stopped builds of two keys, a running one and a kept one leave it. */
async function littered(cache: string): Promise<void> {
  await mkdir(join(cache, 'images'), { recursive: true });
  for (const name of [`work-k-1-${gone}`, `work-k-1-${process.pid}`, `work-k-1-${process.ppid}`, `work-k2-${gone}`, `work-k-1-${kept}`, 'work-k-1-x1', 'work-k-1-', 'k-1']) {
    await mkdir(join(cache, name));
  }
  await writeFile(join(cache, `work-k-1-${kept}`, KEPT_MARKER), 'kept\n');
  await writeFile(join(cache, 'images', `i-1.tar.tmp-${gone}.tar`), 'half an image');
  await writeFile(join(cache, 'images', `i-1.tar.tmp-${process.ppid}.tar`), 'an image being made');
  await writeFile(join(cache, 'images', 'i-1.tar'), 'a whole image');
}

it('removes under a free lock the leftovers of processes gone, and leaves a held lock\'s alone', async () => {
  const cache = join(dir, 'names');
  await littered(cache);
  const removed: string[] = [];
  const remove = async (path: string) => void removed.push(path);
  const busy = await holdFlockElsewhere(leftoverLock(cache, 'k-1'));
  try {
    await sweepUnlocked(cache, WORK_DIR_NAME, remove);
    expect(removed, 'k-1 is held: only k2\'s').toEqual([join(cache, `work-k2-${gone}`)]);
  } finally {
    await busy.stop();
  }
  removed.length = 0;
  await sweepUnlocked(cache, WORK_DIR_NAME, remove);
  expect(removed, 'running here, this process or kept: they stay').toEqual([join(cache, `work-k-1-${gone}`), join(cache, `work-k2-${gone}`)]);
  removed.length = 0;
  await sweepUnlocked(join(cache, 'images'), IMAGE_TEMP_NAME, remove);
  expect(removed).toEqual([join(cache, 'images', `i-1.tar.tmp-${gone}.tar`)]);
  removed.length = 0;
  await sweepUnlocked(join(cache, 'missing'), WORK_DIR_NAME, remove);
  expect(removed).toEqual([]);
});

it('lets the lock\'s holder remove its other leftovers, not its own nor another key\'s', async () => {
  const cache = join(dir, 'held');
  await littered(cache);
  const removed: string[] = [];
  const release = await acquireBuildLock(leftoverLock(cache, 'k-1'), () => undefined);
  try {
    await sweepHeld(cache, WORK_DIR_NAME, 'k-1', join(cache, `work-k-1-${process.pid}`), async (path) => void removed.push(path));
  } finally {
    await release();
  }
  expect(removed).toEqual([join(cache, `work-k-1-${gone}`)]);
});

it.runIf(process.getuid?.() === 0)('are removed by a backport of another key, one that builds nothing, but not while a container builds', async () => {
  const cache = join(dir, 'swept');
  await littered(cache);
  const plan = { package: 'keepalived', targetSuite: 'bookworm', cacheKey: 'keepalived-bookworm-00000000000000000000000000000000', version: '1:2.3.3-1~bpo12+half1' } as BackportPlan;
  const lines: string[] = [];
  const progress = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };
  const backport = () => runBackport(plan, { cacheDir: cache, progress, published: async () => true }).catch((e: unknown) => e);
  const building = await holdFlockElsewhere(leftoverLock(join(cache, 'images'), 'i-1'));
  try {
    expect(await backport()).toBeInstanceOf(PublishedVersionError);
  } finally {
    await building.stop();
  }
  const stays = ['images', 'k-1', 'work-k-1-', `work-k-1-${kept}`, `work-k-1-${process.pid}`, `work-k-1-${process.ppid}`, 'work-k-1-x1'];
  const locks = ['k-1.lock', 'k2.lock'];
  expect((await readdir(cache)).sort()).toEqual([...stays, ...locks].sort());
  expect((await readdir(join(cache, 'images'))).sort(), 'the image maker in its container runs').toEqual(['i-1.lock', 'i-1.tar', `i-1.tar.tmp-${gone}.tar`, `i-1.tar.tmp-${process.ppid}.tar`].sort());
  expect(lines).toContain(`backport: removing ${join(cache, `work-k2-${gone}`)}, left by a build that was stopped`);
  expect(await backport()).toBeInstanceOf(PublishedVersionError);
  expect((await readdir(join(cache, 'images'))).sort(), 'once it is gone').toEqual(['i-1.lock', 'i-1.tar', `i-1.tar.tmp-${process.ppid}.tar`]);
});
