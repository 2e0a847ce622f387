// The control paragraph against dpkg-gencontrol: for every fixture (and a definition using the
// remaining fields), the same fields in the same order with the same values, Installed-Size
// included (installed-size.ts), restriction lists reduced, Source with its version.
import { describe, expect, it } from 'vitest';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import { controlParagraph, controlText } from '../../../repo-tool/src/deb/control.js';
import type { PackageDefinition } from '../../../repo-tool/src/model/definition.js';
import { FIXTURE_EPOCH, fixture, fixtures, REPO_ROOT } from './helpers/fixtures.js';
import { dpkgGencontrol } from './helpers/gencontrol.js';

describe('control paragraph compared with dpkg-gencontrol', () => {
  for (const { definition } of fixtures) {
    it(`${definition.name}: identical control file`, async () => {
      const ours = controlText((await buildDeb(definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, compression: 'gzip' })).control);
      expect(ours).toBe(await dpkgGencontrol(definition, REPO_ROOT));
    });
  }

  it('Essential, Protected, Recommends/Suggests/Enhances/Breaks/Replaces and a same-version Source', async () => {
    const base = fixture('half-fixture-plain').definition;
    const def: PackageDefinition = {
      ...base,
      source: { name: 'half-fixture-source', version: base.version },
      essential: true,
      protected: true,
      relationships: { recommends: ['aa'], suggests: ['bb'], enhances: ['cc'], breaks: ['dd (<< 1)'], replaces: ['dd (<< 1)'], conflicts: ['ee'] },
    };
    const ours = controlText((await buildDeb(def, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, compression: 'gzip' })).control);
    expect(ours).toMatch(/^Source: half-fixture-source$/m);
    expect(ours).toBe(await dpkgGencontrol(def, REPO_ROOT));
  });
});

describe('controlParagraph', () => {
  it('omits relationship fields that reduce to nothing', () => {
    const def: PackageDefinition = { ...fixture('half-fixture-arch').definition, relationships: { depends: ['foo [i386]'] } };
    expect(controlParagraph(def, 1).map(([name]) => name)).not.toContain('Depends');
  });

  it('ends the control text with a newline', () => {
    expect(controlText(controlParagraph(fixture('half-fixture-plain').definition, 1)).endsWith('\n')).toBe(true);
  });
});
