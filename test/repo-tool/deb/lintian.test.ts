// lintian on the fixture packages: no error, and no warning other than the ones each fixture
// justifies next to its definition (and each justified tag must still occur, so that stale
// tolerances are noticed).
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import { FIXTURE_EPOCH, fixtures, REPO_ROOT } from './helpers/fixtures.js';
import { lintian, type LintianTag } from './helpers/lintian.js';
import { makeTestSigner } from './helpers/test-signer.js';

let tags: LintianTag[] = [];
let signedTags: LintianTag[] = [];

beforeAll(async () => {
  const debs = new Map<string, Uint8Array>();
  for (const { definition } of fixtures) {
    const artifact = await buildDeb(definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH });
    debs.set(artifact.fileName, artifact.bytes);
  }
  tags = await lintian(debs);
  const signer = await makeTestSigner(new Date((FIXTURE_EPOCH - 86_400) * 1000));
  const plain = fixtures.find((f) => f.definition.name === 'half-fixture-plain');
  if (plain === undefined) throw new Error('no plain fixture');
  const signed = await buildDeb(plain.definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, signer });
  signedTags = await lintian(new Map([[signed.fileName, signed.bytes]]));
});

describe('lintian on the fixture packages (xz, as built by default)', () => {
  for (const { definition, lintianTolerated } of fixtures) {
    it(`${definition.name}: only the justified warnings`, () => {
      const own = tags.filter((t) => t.package === definition.name);
      expect(own.filter((t) => t.severity === 'E').map((t) => t.line)).toEqual([]);
      const unexpected = own.filter((t) => !(t.tag in lintianTolerated)).map((t) => t.line);
      expect(unexpected).toEqual([]);
      expect([...new Set(own.map((t) => t.tag))].sort()).toEqual(Object.keys(lintianTolerated).sort());
    });
  }

  it('a signed package draws only misplaced-extra-member-in-deb (the _gpgorigin member)', () => {
    expect(signedTags.map((t) => `${t.severity} ${t.tag}`)).toEqual(['E misplaced-extra-member-in-deb']);
  });
});
