// Loading pkgs/-style folders: the fixture corpus loads; a folder of broken modules fails once,
// with every problem of every module listed.
import { describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../../repo-tool/src/definitions/load.js';
import { InvalidDefinitionError } from '../../../repo-tool/src/definitions/problems.js';
import { FIXTURE_DIR, fixtureContext, fixtures } from '../deb/helpers/fixtures.js';

describe('loadDefinitions', () => {
  it('imports every module of the folder in name order and validates them', async () => {
    const loaded = await loadDefinitions(FIXTURE_DIR, fixtureContext);
    expect(loaded.map((l) => l.source)).toEqual(['arch', 'debconf', 'long-names', 'plain', 'scripts', 'tree', 'triggers'].map((n) => `test/fixtures/packages/${n}.ts`));
    expect(loaded.map((l) => l.definition.name).sort()).toEqual(fixtures.map((f) => f.definition.name).sort());
  });

  it('reports every problem of every module together', async () => {
    const error = await loadDefinitions(`${FIXTURE_DIR}/invalid`, fixtureContext).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    const lines = (error as InvalidDefinitionError).problems.map((p) => `${p.source} ${p.package} ${p.field}: ${p.problem}`);
    const expected = [
      /^test\/fixtures\/packages\/invalid\/a-bad-fields\.ts Bad_Name name: /,
      /^test\/fixtures\/packages\/invalid\/a-bad-fields\.ts Bad_Name version: /,
      /^test\/fixtures\/packages\/invalid\/a-bad-fields\.ts Bad_Name maintainer: /,
      /^test\/fixtures\/packages\/invalid\/a-bad-fields\.ts Bad_Name files\[0\]\.conffile: /,
      /^test\/fixtures\/packages\/invalid\/b-missing-sources\.ts half-missing-sources files\[0\]\.content: "test\/fixtures\/packages\/no-such-file" does not exist/,
      /^test\/fixtures\/packages\/invalid\/b-missing-sources\.ts half-missing-sources scripts\.postinst: "test\/fixtures\/packages\/no-such-script" does not exist/,
      /^test\/fixtures\/packages\/invalid\/b-missing-sources\.ts half-missing-sources trees\[0\]\.from: .*cannot walk/,
      /^test\/fixtures\/packages\/invalid\/c-import-fails\.ts \? \(module\): failed to load: boom while importing/,
      /^test\/fixtures\/packages\/invalid\/d-no-default\.ts \? \(module\): has no default export function/,
      /^test\/fixtures\/packages\/invalid\/e-duplicate\.ts half-twice name: "half-twice" \(all\) is also defined in test\/fixtures\/packages\/invalid\/e-duplicate\.ts/,
      /^test\/fixtures\/packages\/invalid\/f-call-throws\.ts \? \(module\): failed to load: no keyring for half/,
      /^test\/fixtures\/packages\/invalid\/g-tree-collision\.ts half-tree-collision trees\[0\]: "\/etc\/half-collision\/tree\.conf" from the tree is also installed by an explicit entry/,
      /^test\/fixtures\/packages\/invalid\/g-tree-collision\.ts half-tree-collision trees\[0\]\.conffiles\[0\]: "absent\.conf" is not a file/,
      /^test\/fixtures\/packages\/invalid\/h-call-throws-hint\.ts \? \(module\): failed to load: kernels\[0\]\.package "Bad" is not a Debian package name/,
    ];
    expect(lines).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(lines[i]).toMatch(pattern));
    expect((error as Error).message).toMatch(/^invalid package definitions \(14 problems\):/);
  });

  it("keeps a HalfRepoError's own hint as the fix of a module that fails to load; other errors get the generic one", async () => {
    const error = await loadDefinitions(`${FIXTURE_DIR}/invalid`, fixtureContext).catch((e: unknown) => e);
    const fixOf = (name: string) => (error as InvalidDefinitionError).problems.find((p) => p.source.endsWith(name))?.fix;
    expect(fixOf('h-call-throws-hint.ts')).toBe('use the name the imported kernel .deb has');
    expect(fixOf('f-call-throws.ts')).toBe('fix the error in the module');
  });

  it('fails clearly when the folder does not exist', async () => {
    await expect(loadDefinitions(`${FIXTURE_DIR}/no-such-folder`, fixtureContext)).rejects.toThrow(/no-such-folder/);
  });
});
