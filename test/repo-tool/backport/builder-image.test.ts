// mmdebstrap's command line for the build image. The image itself is made, cached and used by
// run-backport.test.ts (a real mmdebstrap --variant=buildd run).
import { describe, expect, it } from 'vitest';
import { builderImagePath, mmdebstrapArgs } from '../../../repo-tool/src/backport/builder-image.js';
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
