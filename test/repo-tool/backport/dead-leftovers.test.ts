// What a stopped backport build leaves in the cache, judged by the lock its maker held (an
// flock beside it): a lock someone holds, here or in another pid namespace, keeps its leftovers;
// a free lock lets them go, whatever pid their name carries (pid 1 of a container is always
// alive here), but never a root kept on purpose, nor a leftover of a half-repo from before these
// locks whose pid runs here. A holder removes its own lock's other leftovers. Any backport run as
// root sweeps, whatever its key, even one that builds nothing; a lock it cannot try leaves its
// leftovers with a warning.
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BackportPlan } from '../../../repo-tool/src/backport/backport-plan.js';
import { acquireBuildLock } from '../../../repo-tool/src/backport/build-lock.js';
import { IMAGE_TEMP_NAME, imageTempName, KEPT_MARKER, leftoverLock, staleEntryName, sweepHeld, sweepUnlocked, WORK_DIR_NAME, workDirName } from '../../../repo-tool/src/backport/dead-leftovers.js';
import { runBackport } from '../../../repo-tool/src/backport/run-backport.js';
import { ToolError } from '../../../repo-tool/src/model/errors.js';
import { holdFlockElsewhere } from '../../helpers/flock-holder.js';
import { requireTool, run } from '../../helpers/tools.js';

let dir: string;
let gone: number;
beforeAll(async () => {
  requireTool('flock');
  dir = await mkdtemp(join(tmpdir(), 'half-dead-leftovers-'));
  gone = Number((await run('sh', ['-c', 'echo $$'])).stdout.trim()); // exited by now
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Names in a cache as stopped, running, kept and older builds of keys k-1 and k2 leave it. */
const NAMES = {
  stopped: workDirName('k-1', 1, '0000000a'), // a container's pid 1: alive here, means nothing
  mine: workDirName('k-1', process.pid, '0000000b'),
  kept: workDirName('k-1', 7, '0000000c'),
  otherKey: workDirName('k2', 1, '0000000d'),
  olderGone: () => `work-k-1-${gone}`, // a half-repo from before the locks, its process gone
  olderRunning: `work-k-1-${process.ppid}`, // one whose pid runs here: judged by it
  imageStopped: imageTempName('i-1.tar', 1, '0000000e'),
  imageOlderRunning: `i-1.tar.tmp-${process.ppid}.tar`,
};

async function littered(cache: string): Promise<void> {
  await mkdir(join(cache, 'images'), { recursive: true });
  for (const name of [NAMES.stopped, NAMES.mine, NAMES.kept, NAMES.otherKey, NAMES.olderGone(), NAMES.olderRunning, 'work-k-1-x1', 'work-k-1-', 'k-1']) {
    await mkdir(join(cache, name));
  }
  await writeFile(join(cache, NAMES.kept, KEPT_MARKER), 'kept\n');
  await writeFile(join(cache, 'images', NAMES.imageStopped), 'half an image');
  await writeFile(join(cache, 'images', NAMES.imageOlderRunning), 'an image an older half-repo is making');
  await writeFile(join(cache, 'images', 'i-1.tar'), 'a whole image');
}

function recorder(): { removed: string[]; warnings: string[]; options: { remove: (path: string) => Promise<void>; warn: (text: string) => void } } {
  const removed: string[] = [];
  const warnings: string[] = [];
  return { removed, warnings, options: { remove: async (path) => void removed.push(path), warn: (text) => void warnings.push(text) } };
}

it('removes under a free lock the leftovers of stopped builds, and leaves a held lock\'s alone', async () => {
  const cache = join(dir, 'names');
  await littered(cache);
  const first = recorder();
  const busy = await holdFlockElsewhere(leftoverLock(cache, 'k-1'));
  try {
    await sweepUnlocked(cache, WORK_DIR_NAME, first.options);
  } finally {
    await busy.stop();
  }
  expect(first.removed, 'k-1 is held: only k2\'s').toEqual([join(cache, NAMES.otherKey)]);
  const second = recorder();
  await sweepUnlocked(cache, WORK_DIR_NAME, second.options);
  expect(second.removed.sort(), 'kept, or older and running here: they stay').toEqual(
    [NAMES.stopped, NAMES.mine, NAMES.otherKey, NAMES.olderGone()].map((name) => join(cache, name)).sort(),
  );
  const images = recorder();
  await sweepUnlocked(join(cache, 'images'), IMAGE_TEMP_NAME, images.options);
  expect(images.removed).toEqual([join(cache, 'images', NAMES.imageStopped)]);
  const none = recorder();
  await sweepUnlocked(join(cache, 'missing'), WORK_DIR_NAME, none.options);
  expect([...none.removed, ...none.warnings]).toEqual([]);
});

it('lets the lock\'s holder remove its other leftovers, not its own nor another key\'s', async () => {
  const cache = join(dir, 'held');
  await littered(cache);
  const swept = recorder();
  const { release } = await acquireBuildLock(leftoverLock(cache, 'k-1'), () => undefined);
  try {
    // its own directory carries a pid dead here (as in a container): only the name protects it
    await mkdir(join(cache, workDirName('k-1', gone, '0000000f')));
    await sweepHeld(cache, WORK_DIR_NAME, 'k-1', join(cache, workDirName('k-1', gone, '0000000f')), swept.options);
  } finally {
    await release();
  }
  expect(swept.removed.sort()).toEqual([NAMES.stopped, NAMES.mine, NAMES.olderGone()].map((name) => join(cache, name)).sort());
});

it.runIf(process.getuid?.() === 0)('leaves with a warning the leftovers whose lock it cannot try (a read-only cache)', async () => {
  const cache = join(dir, 'read-only');
  await littered(cache);
  await chmod(cache, 0o555);
  await run('chattr', ['+i', cache], { check: true });
  try {
    const swept = recorder();
    await sweepUnlocked(cache, WORK_DIR_NAME, swept.options);
    expect(swept.removed).toEqual([]);
    expect(swept.warnings).toHaveLength(2);
    expect(swept.warnings[0]).toContain(`backport: leaving ${join(cache, NAMES.stopped)}`);
    expect(swept.warnings[0]).toMatch(/cannot try the lock: flock .*k-1\.flock/);
  } finally {
    await run('chattr', ['-i', cache], { check: true });
    await chmod(cache, 0o755);
  }
});

it.runIf(process.getuid?.() === 0)('are removed by a backport of another key, one that builds nothing, but not while a container builds', async () => {
  const cache = join(dir, 'swept');
  await littered(cache);
  const plan = { package: 'keepalived', targetSuite: 'bookworm', architecture: 'amd64', cacheKey: 'keepalived-bookworm-00000000000000000000000000000000', version: '1:2.3.3-1~bpo12+half1' } as BackportPlan;
  const lines: string[] = [];
  const progress = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };
  // a build that fails at once: the sweep before it is what is tested
  const builder = { build: async (): Promise<string> => { throw new ToolError('no build here'); } };
  const backport = () => runBackport(plan, { cacheDir: cache, progress, builder }).catch((e: unknown) => e);
  const building = await holdFlockElsewhere(leftoverLock(join(cache, 'images'), 'i-1'));
  try {
    expect(await backport()).toBeInstanceOf(ToolError);
  } finally {
    await building.stop();
  }
  const stays = ['images', 'k-1', 'work-k-1-', 'work-k-1-x1', NAMES.kept, NAMES.olderRunning];
  expect((await readdir(cache)).sort()).toEqual([...stays, 'k-1.flock', 'k2.flock', `${plan.cacheKey}.flock`].sort());
  expect((await readdir(join(cache, 'images'))).sort(), 'the image maker in its container runs').toEqual(['i-1.flock', 'i-1.tar', NAMES.imageStopped, NAMES.imageOlderRunning].sort());
  expect(lines).toContain(`backport: removing ${join(cache, NAMES.otherKey)}, left by a build that was stopped`);
  expect(await backport()).toBeInstanceOf(ToolError);
  expect((await readdir(join(cache, 'images'))).sort(), 'once it is gone').toEqual(['i-1.flock', 'i-1.tar', NAMES.imageOlderRunning].sort());
});

it.runIf(process.getuid?.() === 0)('removes an entry a killed build moved aside once its pid is gone, and a stopped build\'s log with its work directory, but a failed build\'s log stays', async () => {
  const cache = join(dir, 'aside');
  await mkdir(cache, { recursive: true });
  const plan = { package: 'keepalived', targetSuite: 'bookworm', architecture: 'amd64', cacheKey: 'keepalived-bookworm-00000000000000000000000000000000', version: '1:2.3.3-1~bpo12+half1' } as BackportPlan;
  const names = {
    asideGone: staleEntryName('k-1', gone), // killed between storeResult's two renames
    asideRunning: staleEntryName('k-1', process.ppid), // a build putting its result in place now
    asideHeld: staleEntryName('k3', gone), // its key's lock is held (a container storing now)
    stoppedWork: workDirName('k-1', gone, '0000000f'),
    stoppedLog: 'k-1.log',
    failedLog: 'k2.log', // a build that failed removed its work directory and left its log to read
  };
  for (const name of [names.asideGone, names.asideRunning, names.asideHeld, names.stoppedWork]) {
    await mkdir(join(cache, name));
    await writeFile(join(cache, name, 'backport.json'), '{}');
  }
  await writeFile(join(cache, names.stoppedLog), 'build log\n');
  await writeFile(join(cache, names.failedLog), 'build log\n');
  const builder = { build: async (): Promise<string> => { throw new ToolError('no build here'); } };
  const storing = await holdFlockElsewhere(leftoverLock(cache, 'k3'));
  try {
    expect(await runBackport(plan, { cacheDir: cache, builder }).catch((e: unknown) => e)).toBeInstanceOf(ToolError);
  } finally {
    await storing.stop();
  }
  const left = (await readdir(cache)).filter((name) => !name.endsWith('.flock'));
  expect(left.sort()).toEqual([names.asideRunning, names.asideHeld, names.failedLog].sort());
});
