// Backport version suffixes, with dpkg --compare-versions as the oracle (deb-version(7)).
import { beforeAll, describe, expect, it } from 'vitest';
import { backportSuffix, backportVersion, isTargetSuite, TARGET_RELEASES } from '../../../repo-tool/src/backport/suites.js';
import { requireTool, run } from '../../helpers/tools.js';

async function dpkgSays(a: string, op: 'lt' | 'gt', b: string): Promise<boolean> {
  return (await run('dpkg', ['--compare-versions', a, op, b])).exitCode === 0;
}

beforeAll(() => {
  requireTool('dpkg');
});

describe('backport versions', () => {
  it('are <source>~bpo<release>+half<n>', () => {
    expect(backportSuffix('bookworm', 1)).toBe('~bpo12+half1');
    expect(backportSuffix('trixie', 2)).toBe('~bpo13+half2');
    expect(backportVersion('1:2.3.3-1', 'bookworm', 1)).toBe('1:2.3.3-1~bpo12+half1');
    expect(() => backportSuffix('bookworm', 0)).toThrow(RangeError);
    expect(isTargetSuite('trixie')).toBe(true);
    expect(isTargetSuite('toString')).toBe(false);
    expect(TARGET_RELEASES.bookworm.sourceSuites).toEqual(['trixie']);
    expect(TARGET_RELEASES.trixie.sourceSuites).toEqual(['forky', 'sid']);
  });

  it("keepalived's sorts between bookworm's (binNMU and Debian's own backport included) and trixie's", async () => {
    const version = backportVersion('1:2.3.3-1', 'bookworm', 1);
    expect(await dpkgSays(version, 'lt', '1:2.3.3-1')).toBe(true);
    for (const older of ['1:2.2.7-1', '1:2.2.7-1+b2', '1:2.2.7-1+deb12u1', '1:2.3.3-1~bpo12+1']) {
      expect(await dpkgSays(version, 'gt', older), older).toBe(true);
    }
    expect(await dpkgSays(backportVersion('1:2.3.3-1', 'bookworm', 2), 'gt', version)).toBe(true);
    expect(await dpkgSays(backportVersion('1:2.3.4-1', 'trixie', 1), 'gt', '1:2.3.3-1')).toBe(true);
  });
});
