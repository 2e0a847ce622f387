// mmdebstrap's command line for the build image, and one maker per image: a build that needs an
// image another build is making waits for it and uses it. The image itself is made, cached and
// used by run-backport.test.ts (a real mmdebstrap --variant=buildd run).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builderImagePath, ensureBuilderImage, mmdebstrapArgs } from '../../../repo-tool/src/backport/builder-image.js';
import { acquireBuildLock } from '../../../repo-tool/src/backport/build-lock.js';
import { leftoverLock } from '../../../repo-tool/src/backport/dead-leftovers.js';
import type { BuilderImageSpec } from '../../../repo-tool/src/backport/cache-key.js';

const SPEC: BuilderImageSpec = { suite: 'bookworm', variant: 'buildd', mirror: 'http://mirror.invalid/debian', architecture: 'amd64', packages: [] };

describe('mmdebstrapArgs', () => {
  it('bootstraps a buildd tarball from the mirror, verified with the Signed-By keyring', () => {
    expect(mmdebstrapArgs(SPEC, { uri: SPEC.mirror, signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' }, '/c/i.tar')).toEqual([
      '--mode=root',
      '--format=tar',
      '--variant=buildd',
      '--architectures=amd64',
      '--keyring=/usr/share/keyrings/debian-archive-keyring.gpg',
      '--quiet',
      'bookworm',
      '/c/i.tar',
      'http://mirror.invalid/debian',
    ]);
  });

  it('adds packages sorted once, and leaves fingerprints and embedded keys to the default keyring', () => {
    const args = mmdebstrapArgs({ ...SPEC, packages: ['b', 'a', 'b'] }, { uri: SPEC.mirror, signedBy: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }, '/o.tar');
    expect(args).toContain('--include=a,b');
    expect(args.some((a) => a.startsWith('--keyring'))).toBe(false);
    const embedded = mmdebstrapArgs(SPEC, { uri: SPEC.mirror, signedBy: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n/x\n' }, '/o.tar');
    expect(embedded.some((a) => a.startsWith('--keyring'))).toBe(false);
  });

  it('keeps images under <cache>/images/<key>.tar', () => {
    expect(builderImagePath('/c', 'bookworm-buildd-0123456789abcdef')).toBe('/c/images/bookworm-buildd-0123456789abcdef.tar');
  });
});

it('waits for the build making the same image, then uses its image without making one', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'half-builder-image-'));
  try {
    await mkdir(join(cache, 'images'));
    const { release: maker } = await acquireBuildLock(leftoverLock(join(cache, 'images'), 'img-1'), () => undefined);
    const lines: string[] = [];
    const progress = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };
    // a mirror nothing answers on (the discard port of this machine): making the image here would fail
    const closed = 'http://127.0.0.1:9/debian';
    const using = ensureBuilderImage(cache, { ...SPEC, mirror: closed }, 'img-1', { uri: closed, signedBy: undefined }, progress);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lines).toEqual([`backport: waiting for another build making the bookworm build image (pid ${process.pid})`]);
    await writeFile(builderImagePath(cache, 'img-1'), 'the image the other build made');
    await maker();
    expect(await using).toBe(builderImagePath(cache, 'img-1'));
    expect(await readFile(builderImagePath(cache, 'img-1'), 'utf8')).toBe('the image the other build made');
    expect(lines).toHaveLength(1);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});
