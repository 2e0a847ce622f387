// The `half` meta-package: what apt-get install half pulls, built and read back with dpkg-deb,
// checked with lintian, and its keepalived relation evaluated with dpkg's own version ordering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import half, { KEEPALIVED_DEPENDS } from '../../pkgs/half.js';
import { lintian } from '../repo-tool/deb/helpers/lintian.js';
import { run } from '../helpers/tools.js';
import { testContext } from './helpers/context.js';
import { build, debField, debFolder, debPaths, versionSatisfies, type DebFolder } from './helpers/debs.js';

let debs: DebFolder;
let path: string;
let bytes: Uint8Array;
beforeAll(async () => {
  debs = await debFolder();
  const artifact = await build(half(testContext()));
  bytes = artifact.bytes;
  path = await debs.put(artifact);
});
afterAll(() => debs?.cleanup());

describe('half (meta-package)', () => {
  it('depends on everything a HALF node runs', async () => {
    const version = testContext().projectVersion;
    expect(await debField(path, 'Architecture')).toBe('all');
    expect(await debField(path, 'Depends')).toBe(`half-syncd (= ${version}), keepalived (>= 1:2.3~), half-kernel (= ${version}), conntrack, nftables`);
    expect(await debPaths(path)).toEqual(['', '/usr', '/usr/share', '/usr/share/doc', '/usr/share/doc/half', '/usr/share/doc/half/changelog.gz', '/usr/share/doc/half/copyright']);
  });

  it('wants keepalived from the backport on Debian 12, and takes Debian 13\'s own', async () => {
    const [, op = '', floor = ''] = /^keepalived \((\S+) (\S+)\)$/.exec(KEEPALIVED_DEPENDS) ?? [];
    expect(await versionSatisfies('1:2.2.7-1+b2', op, floor)).toBe(false); // Debian 12's own
    expect(await versionSatisfies('1:2.3.3-1~bpo12+half1', op, floor)).toBe(true); // HALF's backport for 12
    expect(await versionSatisfies('1:2.3.1-1~bpo12+half1', op, floor)).toBe(true);
    expect(await versionSatisfies('1:2.3.3-1', op, floor)).toBe(true); // Debian 13's own
    // The keepalived installed on this Debian 12 machine (a test tool) does not satisfy it either.
    const installed = (await run('dpkg-query', ['-W', '-f=${Version}', 'keepalived'], { check: true })).stdout;
    expect(installed).toMatch(/^1:2\.2\./);
    expect(await versionSatisfies(installed, op, floor)).toBe(false);
  });

  it('is lintian-clean', async () => {
    expect(await lintian(new Map([['half.deb', bytes]]))).toEqual([]);
  });
});
