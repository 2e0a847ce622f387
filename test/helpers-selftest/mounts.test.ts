import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, mountsUnder, readMountInfo, unmountUnder } from '../helpers/mounts.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'half-mounts-'));
});
afterAll(async () => {
  await unmountUnder(base);
  await rm(base, { recursive: true, force: true });
});

describe('mounts', () => {
  it('reads the kernel mount table', () => {
    expect(readMountInfo().map((m) => m.mountPoint)).toContain('/');
  });

  it('lists nested mounts deepest first (names with spaces decoded) and unmounts them all', async () => {
    const outer = join(base, 'with space');
    await mkdir(outer);
    await mount(['-t', 'tmpfs', 'half-outer', outer]);
    await mkdir(join(outer, 'inner'));
    await mount(['-t', 'tmpfs', 'half-inner', join(outer, 'inner')]);
    await writeFile(join(outer, 'inner/file'), 'x');
    expect(mountsUnder(base).map((m) => [m.mountPoint, m.fsType, m.source])).toEqual([
      [join(outer, 'inner'), 'tmpfs', 'half-inner'],
      [outer, 'tmpfs', 'half-outer'],
    ]);
    expect(mountsUnder(`${outer}/`)).toHaveLength(1); // a trailing slash means "below"
    await unmountUnder(base);
    expect(mountsUnder(base)).toEqual([]);
  });
});
