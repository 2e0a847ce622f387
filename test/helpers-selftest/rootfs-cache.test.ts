import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { debianMirror } from '../../repo-tool/src/apt/machine-sources.js';
import { cachedRootfs, rootfsKey, type RootfsSpec } from '../helpers/rootfs-cache.js';
import { requireTool, run } from '../helpers/tools.js';

const spec: RootfsSpec = { suite: 'bookworm', variant: 'apt', packages: [], mirror: 'http://mirror.invalid/debian', architecture: 'amd64' };

describe('rootfsKey', () => {
  it('names suite and variant and hashes every input', () => {
    expect(rootfsKey(spec)).toMatch(/^bookworm-apt-[0-9a-f]{16}$/);
    const variants: RootfsSpec[] = [
      { ...spec, suite: 'trixie' },
      { ...spec, variant: 'minbase' },
      { ...spec, packages: ['iproute2'] },
      { ...spec, mirror: 'http://other.invalid/debian' },
      { ...spec, architecture: 'arm64' },
    ];
    const keys = new Set([spec, ...variants].map(rootfsKey));
    expect(keys.size).toBe(6);
  });

  it('ignores the order and repetition of packages', () => {
    expect(rootfsKey({ ...spec, packages: ['b', 'a', 'b'] })).toBe(rootfsKey({ ...spec, packages: ['a', 'b'] }));
  });
});

describe('cachedRootfs', () => {
  const saved = process.env['XDG_CACHE_HOME'];
  let scratch: string | undefined;
  afterAll(async () => {
    if (saved === undefined) delete process.env['XDG_CACHE_HOME'];
    else process.env['XDG_CACHE_HOME'] = saved;
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('builds once for concurrent callers, atomically, clearing a dead build\'s leftovers', async () => {
    requireTool('mmdebstrap');
    scratch = await mkdtemp(join(tmpdir(), 'half-rootfs-cache-'));
    process.env['XDG_CACHE_HOME'] = scratch;
    const architecture = (await run('dpkg', ['--print-architecture'], { check: true })).stdout.trim();
    const fresh: RootfsSpec = { suite: 'bookworm', variant: 'essential', packages: [], mirror: await debianMirror(), architecture };
    const dir = join(scratch, 'half/chroots');
    const key = rootfsKey(fresh);
    await run('mkdir', ['-p', dir], { check: true });
    await writeFile(join(dir, `${key}.tar.tmp-999999.tar`), 'half a tarball from a build that died');

    const [first, second] = await Promise.all([cachedRootfs(fresh), cachedRootfs(fresh)]);
    expect([first.built, second.built].sort()).toEqual([false, true]);
    expect(second.tarPath).toBe(first.tarPath);
    expect((await readFile(join(first.treePath, 'etc/debian_version'), 'utf8')).startsWith('12.')).toBe(true);
    expect((await readdir(dir)).sort()).toEqual([`${key}.json`, `${key}.lock`, `${key}.root`, `${key}.tar`]);
    const manifest = JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ suite: 'bookworm', variant: 'essential', mirror: fresh.mirror, architecture });

    const before = (await stat(first.tarPath)).mtimeMs;
    const again = await cachedRootfs(fresh);
    expect(again.built).toBe(false);
    expect((await stat(again.tarPath)).mtimeMs).toBe(before);

    // a lost unpacked tree is made again from the tarball, without mmdebstrap
    await rm(again.treePath, { recursive: true });
    const unpacked = await cachedRootfs(fresh);
    expect(unpacked.built).toBe(false);
    expect(existsSync(join(unpacked.treePath, 'etc/debian_version'))).toBe(true);
  });
});
