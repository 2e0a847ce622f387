// What a stopped backport build leaves in the cache, found by the pid in its name: only a
// process that is gone counts, never this one or another that runs, and a root kept on purpose stays.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deadLeftovers, KEPT_MARKER } from '../../../repo-tool/src/backport/dead-leftovers.js';
import { run } from '../../helpers/tools.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-dead-leftovers-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('names the work directories and image temporaries of processes that are gone', async () => {
  const gone = (await run('sh', ['-c', 'echo $$'])).stdout.trim(); // exited by now
  const kept = (await run('sh', ['-c', 'echo $$'])).stdout.trim();
  for (const name of [`work-k1-${gone}`, `work-k1-${process.pid}`, `work-k1-${process.ppid}`, `work-k2-${gone}`, `work-k1-${kept}`, 'work-k1-x1']) await mkdir(join(dir, name));
  await writeFile(join(dir, `work-k1-${kept}`, KEPT_MARKER), 'kept\n');
  await writeFile(join(dir, `k1.tar.tmp-${gone}.tar`), 'half an image');
  await writeFile(join(dir, `k1.tar.tmp-${process.ppid}.tar`), 'an image being made');

  expect(await deadLeftovers(dir, 'work-k1-')).toEqual([join(dir, `work-k1-${gone}`)]);
  expect(await deadLeftovers(dir, 'k1.tar.tmp-', '.tar')).toEqual([join(dir, `k1.tar.tmp-${gone}.tar`)]);
  expect(await deadLeftovers(join(dir, 'missing'), 'work-k1-')).toEqual([]);
});
