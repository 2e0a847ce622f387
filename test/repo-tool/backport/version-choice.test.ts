// Version choice and backport versions, with dpkg --compare-versions as the oracle for every
// ordering claim (deb-version(7)).
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourceListing } from '../../../repo-tool/src/backport/source-listing.js';
import { chooseBackport, type SuiteListing } from '../../../repo-tool/src/backport/version-choice.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';

async function dpkgSays(a: string, op: 'lt' | 'gt' | 'le', b: string): Promise<boolean> {
  return (await run('dpkg', ['--compare-versions', a, op, b])).exitCode === 0;
}

function listing(suite: string, version: string): SuiteListing {
  const l: SourceListing = { package: 'keepalived', version, suite, files: [{ name: 'keepalived.dsc', uri: 'u', size: 1, sha256: '0'.repeat(64) }] };
  return { suite, listing: l };
}

beforeAll(() => {
  requireTool('dpkg');
});

describe('chooseBackport', () => {
  it('backports trixie\'s keepalived to bookworm', () => {
    const choice = chooseBackport({
      package: 'keepalived',
      targetSuite: 'bookworm',
      targetVersion: '1:2.2.7-1',
      candidates: [listing('trixie', '1:2.3.3-1')],
      iteration: 1,
    });
    expect(choice).toMatchObject({ kind: 'backport', version: '1:2.3.3-1~bpo12+half1', targetVersion: '1:2.2.7-1' });
    expect(choice.kind === 'backport' && choice.source.suite).toBe('trixie');
  });

  it('takes the newest of testing and unstable for trixie, testing on a tie', () => {
    const input = { package: 'keepalived', targetSuite: 'trixie' as const, targetVersion: '1:2.3.3-1', iteration: 1 };
    const newer = chooseBackport({ ...input, candidates: [listing('forky', '1:2.3.4-1'), listing('sid', '1:2.3.4-2')] });
    expect(newer).toMatchObject({ kind: 'backport', version: '1:2.3.4-2~bpo13+half1' });
    const tie = chooseBackport({ ...input, candidates: [listing('forky', '1:2.3.4-1'), listing('sid', '1:2.3.4-1')] });
    expect(tie.kind === 'backport' && tie.source.suite).toBe('forky');
    const onlySid = chooseBackport({ ...input, candidates: [{ suite: 'forky', listing: undefined }, listing('sid', '1:2.4.0-1')] });
    expect(onlySid.kind === 'backport' && onlySid.source.suite).toBe('sid');
  });

  it("reports that trixie's own keepalived serves when nothing newer exists", () => {
    const input = { package: 'keepalived', targetSuite: 'trixie' as const, targetVersion: '1:2.3.3-1', iteration: 1 };
    const same = chooseBackport({ ...input, candidates: [listing('forky', '1:2.3.3-1'), listing('sid', '1:2.3.3-1')] });
    expect(same).toMatchObject({ kind: 'not-needed', halfExamplesIn: 'half-syncd', newestVersion: '1:2.3.3-1' });
    expect(same.kind === 'not-needed' && same.reason).toMatch(/trixie's keepalived 1:2.3.3-1 .* serves/);
    const none = chooseBackport({ ...input, candidates: [{ suite: 'forky', listing: undefined }, { suite: 'sid', listing: undefined }] });
    expect(none).toMatchObject({ kind: 'not-needed', newestVersion: undefined });
    expect(none.kind === 'not-needed' && none.reason).toMatch(/no source package keepalived in forky, sid/);
  });

  it('agrees with dpkg on every pair of versions: backport strictly between, or not needed, or a clear error', async () => {
    const versions = [
      '2.2.7-1', '2.2.7-1+b2', '1:2.2.7-1', '1:2.2.7-1+deb12u1', '1:2.3.3-1', '1:2.3.3-1~bpo12+1', '1:2.3.3-1~deb12u1',
      '1:2.3.3-1.1', '1:2.3.3', '1:2.3.3~rc1-1', '2:0.1-1', '1:2.3.3+dfsg-1', '1:2.3.3-1~bpo12+half1',
    ];
    let backports = 0;
    let errors = 0;
    for (const source of versions) {
      for (const target of versions) {
        const input = { package: 'keepalived', targetSuite: 'bookworm' as const, targetVersion: target, candidates: [listing('trixie', source)], iteration: 1 };
        const newer = await dpkgSays(source, 'gt', target);
        let choice;
        try {
          choice = chooseBackport(input);
        } catch (error) {
          expect(error, `${source} over ${target}`).toBeInstanceOf(ConfigError);
          expect(newer).toBe(true);
          expect(await dpkgSays(`${source}~bpo12+half1`, 'le', target), `${source} over ${target}`).toBe(true);
          errors++;
          continue;
        }
        if (!newer) {
          expect(choice.kind, `${source} over ${target}`).toBe('not-needed');
          continue;
        }
        expect(choice.kind, `${source} over ${target}`).toBe('backport');
        if (choice.kind !== 'backport') continue;
        expect(await dpkgSays(choice.version, 'lt', source), `${choice.version} < ${source}`).toBe(true);
        expect(await dpkgSays(choice.version, 'gt', target), `${choice.version} > ${target}`).toBe(true);
        backports++;
      }
    }
    expect(backports).toBeGreaterThan(20);
    expect(errors).toBeGreaterThan(0); // e.g. 1:2.3.3-1 over 1:2.3.3-1~deb12u1
  });
});
