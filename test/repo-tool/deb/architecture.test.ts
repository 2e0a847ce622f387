// Architecture wildcard matching against dpkg-architecture -a<arch> -i<wildcard>.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { architectureMatches } from '../../../repo-tool/src/deb/architecture.js';

const run = promisify(execFile);

const architectures = ['amd64', 'arm64', 'armhf', 'armel', 'i386', 'ppc64el', 's390x', 'riscv64', 'mips64el', 'x32', 'hurd-i386', 'kfreebsd-amd64'];
const wildcards = ['any', 'amd64', 'arm64', 'armhf', 'i386', 'linux-any', 'hurd-any', 'kfreebsd-any', 'any-amd64', 'any-arm', 'any-arm64', 'any-i386', 'any-any'];

describe('architectureMatches', () => {
  it('agrees with dpkg-architecture -i for every architecture and wildcard pair', async () => {
    const pairs = architectures.flatMap((a) => wildcards.map((w) => [a, w] as const));
    const script = pairs.map(([a, w]) => `if dpkg-architecture -a${a} -i${w} 2>/dev/null; then echo yes; else echo no; fi`).join('\n');
    const theirs = (await run('sh', ['-c', script], { maxBuffer: 1 << 24 })).stdout.trim().split('\n');
    const disagreements = pairs.filter(([a, w], i) => (architectureMatches(a, w) ? 'yes' : 'no') !== theirs[i]).map(([a, w]) => `${a} ~ ${w}`);
    expect(theirs.filter((t) => t === 'yes').length).toBeGreaterThan(20);
    expect(disagreements).toEqual([]);
  });

  it('matches "all" only with itself', () => {
    expect(architectureMatches('all', 'all')).toBe(true);
    expect(architectureMatches('all', 'linux-any')).toBe(false);
  });
});
