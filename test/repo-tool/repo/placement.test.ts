// Package identities as apt sees them: two different files that apt would take for one package
// (equal versions to dpkg, or "all" beside an architecture) are refused before anything is
// written. apt's view checked with the real dpkg --compare-versions.
import { describe, expect, it } from 'vitest';
import { checkIdentities } from '../../../repo-tool/src/repo/placement.js';
import { requireTool, run } from '../../helpers/tools.js';
import { fakeEntry } from './helpers/entries.js';

const entry = (version: string, architecture: string) => fakeEntry('dup', version, architecture, ['bookworm']).entry;

describe('checkIdentities', () => {
  it.each([
    ['1.0', 'all', '1.00', 'all', 'dup 1.00 (all) is one package to apt with dup 1.0 (all), already in the pool as pool/half/d/dup/dup_1.0_all.deb (dpkg compares 1.00 and 1.0 as equal)'],
    ['1.0', 'amd64', '1.0-0', 'amd64', 'dup 1.0-0 (amd64) is one package to apt with dup 1.0 (amd64), already in the pool as pool/half/d/dup/dup_1.0_amd64.deb (dpkg compares 1.0-0 and 1.0 as equal)'],
    ['1.0', 'all', '1.0', 'amd64', 'dup 1.0 (amd64) is one package to apt with dup 1.0 (all), already in the pool as pool/half/d/dup/dup_1.0_all.deb (an "all" package is listed for every architecture, so apt sees both under one version)'],
    ['1.0', 'arm64', '1.00', 'all', 'dup 1.00 (all) is one package to apt with dup 1.0 (arm64), already in the pool as pool/half/d/dup/dup_1.0_arm64.deb (dpkg compares 1.00 and 1.0 as equal, and an "all" package is listed for every architecture)'],
  ])('refuses %s (%s) beside %s (%s)', async (v1, a1, v2, a2, message) => {
    requireTool('dpkg');
    expect((await run('dpkg', ['--compare-versions', v1, 'eq', v2])).exitCode, 'dpkg takes the two versions for one').toBe(0);
    const error = (() => {
      try {
        checkIdentities([entry(v1, a1), entry(v2, a2)]);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toBe(`${message} (new file: ${entry(v2, a2).poolPath})`);
  });

  it('takes versions dpkg tells apart, other architectures, and one file given twice', async () => {
    expect((await run('dpkg', ['--compare-versions', '1.0', 'eq', '1.0-1'])).exitCode).toBe(1);
    expect(() => checkIdentities([entry('1.0', 'all'), entry('1.0-1', 'all'), entry('1.0', 'all')])).not.toThrow();
    expect(() => checkIdentities([entry('1.0', 'amd64'), entry('1.0', 'arm64'), entry('1.00', 'i386')])).not.toThrow();
  });
});
