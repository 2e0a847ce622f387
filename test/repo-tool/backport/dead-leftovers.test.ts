// What a stopped backport build leaves in the cache, found by the pid in its name: only a
// process that is gone counts, never this one or another that runs, and a root kept on purpose
// stays. Any backport run as root sweeps them, whatever their key, even one that builds nothing.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BackportPlan } from '../../../repo-tool/src/backport/backport-plan.js';
import { deadLeftovers, IMAGE_TEMP_NAME, KEPT_MARKER, WORK_DIR_NAME } from '../../../repo-tool/src/backport/dead-leftovers.js';
import { PublishedVersionError, runBackport } from '../../../repo-tool/src/backport/run-backport.js';
import { run } from '../../helpers/tools.js';

let dir: string;
let gone: string;
let kept: string;
beforeAll(async () => {
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

it('names the work directories and image temporaries of processes that are gone', async () => {
  const cache = join(dir, 'names');
  await littered(cache);
  expect(await deadLeftovers(cache, WORK_DIR_NAME)).toEqual([join(cache, `work-k-1-${gone}`), join(cache, `work-k2-${gone}`)]);
  expect(await deadLeftovers(join(cache, 'images'), IMAGE_TEMP_NAME)).toEqual([join(cache, 'images', `i-1.tar.tmp-${gone}.tar`)]);
  expect(await deadLeftovers(join(cache, 'missing'), WORK_DIR_NAME)).toEqual([]);
});

it.runIf(process.getuid?.() === 0)('are removed by a backport of another key, one that builds nothing', async () => {
  const cache = join(dir, 'swept');
  await littered(cache);
  const plan = { package: 'keepalived', targetSuite: 'bookworm', cacheKey: 'keepalived-bookworm-00000000000000000000000000000000', version: '1:2.3.3-1~bpo12+half1' } as BackportPlan;
  const lines: string[] = [];
  const progress = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };
  const stopped = await runBackport(plan, { cacheDir: cache, progress, published: async () => true }).catch((e: unknown) => e);
  expect(stopped).toBeInstanceOf(PublishedVersionError);
  expect((await readdir(cache)).sort()).toEqual(['images', 'k-1', 'work-k-1-', `work-k-1-${kept}`, `work-k-1-${process.pid}`, `work-k-1-${process.ppid}`, 'work-k-1-x1'].sort());
  expect((await readdir(join(cache, 'images'))).sort()).toEqual(['i-1.tar', `i-1.tar.tmp-${process.ppid}.tar`]);
  expect(lines).toContain(`backport: removing ${join(cache, `work-k2-${gone}`)}, left by a build that was stopped`);
});
