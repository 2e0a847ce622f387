import { describe, expect, it } from 'vitest';
import {
  backportCacheKey,
  builderImageKey,
  canonicalJson,
  type BackportKeyInput,
  type BuilderImageSpec,
} from '../../../repo-tool/src/backport/cache-key.js';

const IMAGE: BuilderImageSpec = { suite: 'bookworm', variant: 'buildd', mirror: 'http://mirror.invalid/debian', architecture: 'amd64', packages: [] };

const INPUT: BackportKeyInput = {
  package: 'keepalived',
  sourceSuite: 'trixie',
  sourceVersion: '1:2.3.3-1',
  sourceFiles: [
    { name: 'keepalived_2.3.3-1.dsc', size: 2114, sha256: 'a'.repeat(64) },
    { name: 'keepalived_2.3.3.orig.tar.gz', size: 1236713, sha256: 'b'.repeat(64) },
    { name: 'keepalived_2.3.3-1.debian.tar.xz', size: 8252, sha256: 'c'.repeat(64) },
  ],
  targetSuite: 'bookworm',
  version: '1:2.3.3-1~bpo12+half1',
  changelogEntry: 'keepalived (1:2.3.3-1~bpo12+half1) bookworm; urgency=medium\n',
  examples: [{ name: 'README.HALF', text: 'read me\n' }],
  imageKey: builderImageKey(IMAGE),
  buildOptions: 'noddebs',
  architecture: 'amd64',
};

describe('canonicalJson', () => {
  it('does not depend on key order, and drops undefined fields', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 'z' }], c: undefined })).toBe(canonicalJson({ a: [{ x: 'z', y: 2 }], b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});

describe('backportCacheKey', () => {
  it('is a readable, stable directory name', () => {
    const key = backportCacheKey(INPUT);
    expect(key).toMatch(/^keepalived-bookworm-[0-9a-f]{32}$/);
    expect(backportCacheKey({ ...INPUT, sourceFiles: [...INPUT.sourceFiles].reverse() })).toBe(key);
    expect(backportCacheKey(JSON.parse(JSON.stringify(INPUT)) as BackportKeyInput)).toBe(key);
  });

  it('changes with every input that shapes the build', () => {
    const key = backportCacheKey(INPUT);
    const firstFile = INPUT.sourceFiles[0]!;
    const variants: Partial<BackportKeyInput>[] = [
      { sourceFiles: [{ ...firstFile, sha256: 'd'.repeat(64) }, ...INPUT.sourceFiles.slice(1)] },
      { sourceFiles: [{ ...firstFile, size: 2115 }, ...INPUT.sourceFiles.slice(1)] },
      { sourceVersion: '1:2.3.3-2' },
      { sourceSuite: 'sid' },
      { targetSuite: 'trixie' },
      { version: '1:2.3.3-1~bpo12+half2' },
      { changelogEntry: `${INPUT.changelogEntry} ` },
      { examples: [{ name: 'README.HALF', text: 'read me!\n' }] },
      { examples: [{ name: 'README.half', text: 'read me\n' }] },
      { imageKey: builderImageKey({ ...IMAGE, mirror: 'http://other.invalid/debian' }) },
      { buildOptions: 'noddebs nocheck' },
      { architecture: 'arm64' },
    ];
    const keys = variants.map((v) => backportCacheKey({ ...INPUT, ...v }));
    expect(new Set([key, ...keys]).size).toBe(variants.length + 1);
  });
});

describe('builderImageKey', () => {
  it('names the suite and changes with the mirror, architecture and packages, not their order', () => {
    const key = builderImageKey(IMAGE);
    expect(key).toMatch(/^bookworm-buildd-[0-9a-f]{16}$/);
    expect(builderImageKey({ ...IMAGE, packages: ['b', 'a'] })).toBe(builderImageKey({ ...IMAGE, packages: ['a', 'b', 'a'] }));
    const others = [
      builderImageKey({ ...IMAGE, suite: 'trixie' }),
      builderImageKey({ ...IMAGE, mirror: 'http://other.invalid/debian' }),
      builderImageKey({ ...IMAGE, architecture: 'arm64' }),
      builderImageKey({ ...IMAGE, packages: ['ca-certificates'] }),
    ];
    expect(new Set([key, ...others]).size).toBe(5);
  });
});
