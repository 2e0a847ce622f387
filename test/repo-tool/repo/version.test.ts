import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersion, versionWithoutEpoch } from '../../../repo-tool/src/repo/version.js';

const VERSIONS = [
  '0', '0.1', '0.1.0', '0.1.0-1', '0.1.0-1~bpo12+1', '0.1.0~rc1', '0.1.0~rc1-1', '0.1.0+dfsg-1', '0.1.0-1.1',
  '1:0.1', '1:0.0.9', '2.0', '2.0a', '2.0-a', '2.0.a', '2.00', '2.0-0', '2.0~', '2.0~~', '2.0~~a', '10', '9.9',
  '1.2.10', '1.2.9', '1.2.9+b1', 'a', '1.0-1ubuntu1', '1.0-1+deb12u1', '2.2.8-1~bpo12+1', '2.2.8-1', '0:2.2.8-1',
];

function dpkgSays(a: string, op: 'lt' | 'eq' | 'gt', b: string): boolean {
  try {
    execFileSync('dpkg', ['--compare-versions', a, op, b], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('compareVersions', () => {
  it('orders every pair of a tricky list exactly as dpkg --compare-versions does', () => {
    const valid = VERSIONS.filter((v) => typeof parseVersion(v) !== 'string');
    // A sorted copy, checked pairwise against dpkg along the order and for equal neighbours.
    const sorted = [...valid].sort(compareVersions);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const a = sorted[i] as string;
      const b = sorted[i + 1] as string;
      const ours = Math.sign(compareVersions(a, b));
      const op = ours < 0 ? 'lt' : ours === 0 ? 'eq' : 'gt';
      expect(dpkgSays(a, op, b), `${a} ${op} ${b}`).toBe(true);
    }
    // And a few direct pairs that exercise each rule.
    for (const [a, b] of [['1.0~rc1', '1.0'], ['1.0', '1.0+b1'], ['2.0a', '2.0.a'], ['1:0.0.9', '2.0'], ['2.00', '2.0']] as const) {
      const ours = Math.sign(compareVersions(a, b));
      const op = ours < 0 ? 'lt' : ours === 0 ? 'eq' : 'gt';
      expect(dpkgSays(a, op, b), `${a} ${op} ${b}`).toBe(true);
    }
  });
});

describe('parseVersion', () => {
  it('splits epoch, upstream and revision', () => {
    expect(parseVersion('1:2.2.8-1~bpo12+1')).toEqual({ epoch: 1, upstream: '2.2.8', revision: '1~bpo12+1' });
    expect(parseVersion('0.1.0')).toEqual({ epoch: 0, upstream: '0.1.0', revision: '' });
  });
  it('explains what is wrong with an invalid version', () => {
    expect(parseVersion('')).toMatch(/empty/);
    expect(parseVersion('a1.0')).toMatch(/must start with a digit/);
    expect(parseVersion('1.0-r_1')).toMatch(/revision "r_1"/);
    expect(parseVersion('x:1.0')).toMatch(/epoch/);
    expect(parseVersion('1.0 1')).toMatch(/whitespace/);
  });
  it('drops the epoch for file names', () => {
    expect(versionWithoutEpoch('1:0.1-1')).toBe('0.1-1');
    expect(versionWithoutEpoch('0.1-1')).toBe('0.1-1');
  });
});
