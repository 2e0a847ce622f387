// Static validation: each rule, the shape (unknown keys, wrong types), the collection of every
// problem into one DefinitionError, and package names and field names compared with dpkg's own
// checks.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidDefinitionError, describeProblem } from '../../../repo-tool/src/definitions/problems.js';
import { PACKAGE_NAME } from '../../../repo-tool/src/deb/package-name.js';
import { assertValidDefinition, validateDefinition } from '../../../repo-tool/src/definitions/validate.js';
import type { PackageDefinition } from '../../../repo-tool/src/model/definition.js';
import { DefinitionError } from '../../../repo-tool/src/model/errors.js';
import { controlParagraph, controlText } from '../../../repo-tool/src/deb/control.js';
import { FIXTURE_EPOCH, fixture, fixtures, REPO_ROOT } from '../deb/helpers/fixtures.js';
import { dpkgDebBuild, materialise } from '../deb/helpers/materialise.js';

const run = promisify(execFile);
const base: PackageDefinition = fixture('half-fixture-plain').definition;

/** The problems of `base` changed by `change`, as "field: problem" lines. */
function problemsOf(change: Partial<PackageDefinition>): string[] {
  return validateDefinition({ ...base, ...change } as PackageDefinition, 'pkgs/test.ts').map((p) => `${p.field}: ${p.problem}`);
}

describe('validateDefinition', () => {
  it('finds nothing wrong with the fixtures', () => {
    for (const { definition } of fixtures) expect(validateDefinition(definition), definition.name).toEqual([]);
  });

  it('checks package names against Policy §5.6.1', () => {
    for (const name of ['half', 'half-syncd', 'lib+x.y', '0ad']) expect(problemsOf({ name }), name).toEqual([]);
    for (const name of ['a', 'Half', 'half_x', '-half', '.half', 'half syncd', '']) expect(problemsOf({ name }).join(), name).toMatch(/^name: /);
  });

  it('accepts only names dpkg --validate-pkgname accepts (dpkg is laxer: it takes "A_b", Policy does not)', async () => {
    for (const name of ['ab', 'a0', 'half-syncd', 'lib++', 'x.y.z', '0ad']) {
      expect(PACKAGE_NAME.test(name)).toBe(true);
      await run('dpkg', ['--validate-pkgname', name]);
    }
    await run('dpkg', ['--validate-pkgname', 'A_b']);
    expect(PACKAGE_NAME.test('A_b')).toBe(false);
    await expect(run('dpkg', ['--validate-pkgname', 'ab:c'])).rejects.toThrow();
    expect(PACKAGE_NAME.test('ab:c')).toBe(false);
  });

  it('checks versions, architecture, maintainer, section, homepage, source', () => {
    expect(problemsOf({ version: '1.0-' }).join()).toMatch(/^version: .*no revision/);
    expect(problemsOf({ architecture: 'any' }).join()).toMatch(/^architecture: /);
    expect(problemsOf({ architecture: 'AMD64' }).join()).toMatch(/^architecture: /);
    for (const maintainer of ['half@example.org', 'HALF <half@example.org', 'HALF Maintainers, Other <half@example.org>', 'HALF <not-an-address>', ' <half@example.org>']) {
      expect(problemsOf({ maintainer }).join(), maintainer).toMatch(/^maintainer: .*"Full Name <address@example.org>"/);
    }
    expect(problemsOf({ section: 'Admin' }).join()).toMatch(/^section: /);
    expect(problemsOf({ homepage: 'example.org' }).join()).toMatch(/^homepage: /);
    expect(problemsOf({ source: { name: 'Src', version: 'x' } })).toEqual([expect.stringMatching(/^source\.name: /), expect.stringMatching(/^source\.version: /)]);
  });

  it('names values of the wrong type with the type expected, instead of crashing on them or reading them as text', () => {
    // each crashed a writer (1.5 and 123 passed as "1.5" and "123", then value.startsWith threw) or a check (long.split)
    expect(problemsOf({ version: 1.5 } as never)).toEqual(['version: is a number (1.5), not a string']);
    expect(problemsOf({ source: { name: 123 } } as never)).toEqual(['source.name: is a number (123), not a string']);
    expect(problemsOf({ description: { synopsis: 'ok', long: ['a', 'b'] } } as never)).toEqual(['description.long: is an array, not a string']);
    expect(problemsOf({ essential: 'yes', protected: 1 } as never)).toEqual(['essential: is a string ("yes"), not a boolean (true or false)', 'protected: is a number (1), not a boolean (true or false)']);
    expect(problemsOf({ relationships: 'foo, bar' } as never)).toEqual(['relationships: is a string ("foo, bar"), not an object (Relationships)']);
    expect(problemsOf({ relationships: { depends: 'foo' } } as never)).toEqual(['relationships.depends: is a string ("foo"), not an array of strings']);
    expect(problemsOf({ section: 5, homepage: null, suites: 'bookworm', component: ['half'] } as never)).toEqual([
      'section: is a number (5), not a string',
      'homepage: is null, not a string',
      'suites: is a string ("bookworm"), not an array of strings',
      'component: is an array, not a string',
    ]);
    expect(problemsOf({ extraFields: { 'X-Count': 3 } } as never)).toEqual(['extraFields["X-Count"]: is a number (3), not a string']);
    expect(problemsOf({ templates: { nope: 1 } } as never)).toEqual(['templates.from: is missing', 'templates.nope: "nope" is not a key of { from }, so it would be ignored']);
    for (const field of ['files', 'directories', 'symlinks', 'trees'] as const) {
      expect(problemsOf({ [field]: 'x' } as never), field).toEqual([expect.stringMatching(new RegExp(`^${field}: is a string \\("x"\\), not an array of \\w+ objects$`))]);
      expect(problemsOf({ [field]: {} } as never), field).toEqual([expect.stringMatching(new RegExp(`^${field}: is an object, not an array`))]);
      expect(problemsOf({ [field]: [1] } as never), field).toEqual([expect.stringMatching(new RegExp(`^${field}\\[0\\]: is a number \\(1\\), not an object \\(\\w+Entry\\)$`))]);
    }
    expect(problemsOf({ scripts: 'foo' } as never)).toEqual(['scripts: is a string ("foo"), not an object (MaintainerScripts)']);
    expect(problemsOf({ trees: [{ from: 'test', to: '/usr/share/t', conffiles: 'a.conf' }], files: [{ path: '/x', content: 1, mode: '0644', conffile: 'yes' }] } as never)).toEqual([
      'files[0].content: is a number (1), not a string, bytes (Uint8Array) or { from: "<path>" }',
      'files[0].mode: is a string ("0644"), not a number',
      'files[0].conffile: is a string ("yes"), not a boolean (true or false)',
      'trees[0].conffiles: is a string ("a.conf"), not an array of strings',
    ]);
  });

  it('names in one run the value problems next to a mistyped value, with the entries\' own indexes', () => {
    expect(problemsOf({
      description: { synopsis: 'A firewall.', long: 7 },
      files: [
        { path: '/usr/share/half/a', content: 'a', mode: 'rw' },
        { path: 'relative', content: 'b' },
        { path: 5, content: 'c' },
        { path: '/usr/share/half/a', content: 'd' },
      ],
      relationships: { depends: ['nodejs (>= 18)', 42, 'bad (>> )'], conflicts: 'x' },
      scripts: { prerm: 42, postinst: 'set -e\n' },
      extraFields: { 'X-Count': 3, 'Bad Name': 'x' },
    } as never)).toEqual([
      'description.long: is a number (7), not a string',
      'relationships.depends[1]: is a number (42), not a string',
      'relationships.conflicts: is a string ("x"), not an array of strings',
      'files[0].mode: is a string ("rw"), not a number',
      'files[2].path: is a number (5), not a string',
      'scripts.prerm: is a number (42), not a string, bytes (Uint8Array) or { from: "<path>" }',
      'extraFields["X-Count"]: is a number (3), not a string',
      'description.synopsis: the synopsis ends with a period',
      'relationships.depends[2]: "bad (>> )" gives ">>" without a version',
      'files[1].path: "relative" is not absolute',
      'files[3].path: "/usr/share/half/a" is also installed by files[0].path',
      'scripts.postinst: the script does not start with "#!"',
      'extraFields["Bad Name"]: "Bad Name" is not a deb822 field name',
    ]);
    // a required part missing makes its object unusable: its other values wait for the fix
    expect(problemsOf({ description: { long: ' .' } } as never)).toEqual(['description.synopsis: is missing']);
  });

  it('names missing required keys', () => {
    expect(problemsOf({ name: undefined, description: { long: 'x' } } as never)).toEqual(['name: is missing', 'description.synopsis: is missing']);
    expect(problemsOf({ files: [{ path: '/usr/share/x' }], symlinks: [{ path: '/usr/share/l' }] } as never)).toEqual(['files[0].content: is missing', 'symlinks[0].target: is missing']);
  });

  it('refuses keys its type does not declare, naming the path and the likely intended key', () => {
    const fixes = (change: object): string[] => validateDefinition({ ...base, ...change } as never).map((p) => `${p.field}: ${p.problem} (fix: ${p.fix})`);
    // each was dropped without a word: no postinstall script in the .deb, no Depends
    expect(fixes({ scripts: { postinstall: '#!/bin/sh\n' } })).toEqual([
      'scripts.postinstall: "postinstall" is not a key of MaintainerScripts, so it would be ignored (fix: did you mean scripts.postinst?)',
    ]);
    expect(fixes({ relationships: { depend: ['foo'] } })).toEqual(['relationships.depend: "depend" is not a key of Relationships, so it would be ignored (fix: did you mean relationships.depends?)']);
    // at the wrong level: the key is named where it belongs
    expect(fixes({ depends: ['foo'], conffiles: ['/etc/x'], 'Pre-Depends': ['bar'] })).toEqual([
      'depends: "depends" is not a key of PackageDefinition, so it would be ignored (fix: did you mean relationships.depends?)',
      'conffiles: "conffiles" is not a key of PackageDefinition, so it would be ignored (fix: did you mean trees[].conffiles or files[].conffile?)',
      'Pre-Depends: "Pre-Depends" is not a key of PackageDefinition, so it would be ignored (fix: did you mean relationships.preDepends?)',
    ]);
    expect(fixes({ files: [{ path: '/usr/share/x', content: { form: 'x' }, contents: 'y' }] })).toEqual([
      'files[0].content.from: is missing (fix: give a string)',
      'files[0].content.form: "form" is not a key of { from }, so it would be ignored (fix: did you mean files[0].content.from?)',
      'files[0].contents: "contents" is not a key of FileEntry, so it would be ignored (fix: did you mean files[0].content?)',
    ]);
    expect(fixes({ description: { synopsis: 'ok', longer: 'x' }, source: { name: 'src', verison: '1' } })).toEqual([
      'description.longer: "longer" is not a key of Description, so it would be ignored (fix: did you mean description.long?)',
      'source.verison: "verison" is not a key of source, so it would be ignored (fix: did you mean source.version?)',
    ]);
    // nothing close: the keys it takes are listed
    expect(fixes({ scripts: { xyzzy: '#!/bin/sh\n' } })).toEqual(['scripts.xyzzy: "xyzzy" is not a key of MaintainerScripts, so it would be ignored (fix: remove it (MaintainerScripts takes preinst, postinst, prerm, postrm, config))']);
    // an unknown key does not hide the checks of its neighbours
    expect(problemsOf({ relationships: { depend: ['x'], depends: ['bad (> 1)'] } } as never)).toEqual([
      expect.stringMatching(/^relationships\.depend: /),
      expect.stringMatching(/^relationships\.depends\[0\]: .*obsolete/),
    ]);
  });

  it('refuses Multi-Arch "same" for an "all" package (dpkg-deb -b and dpkg -i refuse it too)', () => {
    expect(problemsOf({ architecture: 'all', multiArch: 'same' })).toEqual(['multiArch: "same" with architecture "all" cannot be installed']);
    expect(problemsOf({ architecture: 'all', multiArch: 'foreign' })).toEqual([]);
    expect(problemsOf({ architecture: 'amd64', multiArch: 'same' })).toEqual([]);
  });

  it('checks the synopsis and the long description', () => {
    expect(problemsOf({ description: { synopsis: '' } }).join()).toMatch(/synopsis is empty/);
    expect(problemsOf({ description: { synopsis: 'x'.repeat(80) } })).toEqual([]);
    expect(problemsOf({ description: { synopsis: 'x'.repeat(81) } }).join()).toMatch(/has 81 characters/);
    expect(problemsOf({ description: { synopsis: 'two\nlines' } }).join()).toMatch(/spans several lines/);
    expect(problemsOf({ description: { synopsis: 'a sentence.' } }).join()).toMatch(/ends with a period/);
    expect(problemsOf({ description: { synopsis: ' padded' } }).join()).toMatch(/whitespace/);
    expect(problemsOf({ description: { synopsis: 'ok', long: 'a\n.\nb' } }).join()).toMatch(/line 2 is a lone "."/);
    expect(problemsOf({ description: { synopsis: 'ok', long: 'a\n.dotfiles are read first' } })).toEqual([
      'description.long: line 2 starts with ".dotfiles", which would be written as the reserved " .dotfiles"',
    ]);
    // verbatim, or a "." word inside a line, is fine
    expect(problemsOf({ description: { synopsis: 'ok', long: 'a\n  .dotfiles verbatim\nread .dotfiles first' } })).toEqual([]);
  });

  it('checks relationships (syntax, union fields, Provides, Built-Using, restrictions on "all")', () => {
    const problems = problemsOf({
      relationships: {
        depends: ['good (>= 1)', 'bad (> 1)', 'libc6 [amd64]'],
        conflicts: ['aa | bb'],
        provides: ['virt (>= 1)', 'virt2:any'],
        builtUsing: ['src (>= 1)'],
      },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^relationships\.depends\[1\]: .*obsolete/),
      expect.stringMatching(/^relationships\.depends\[2\]: .*architecture "all"/),
      expect.stringMatching(/^relationships\.conflicts\[0\]: Conflicts does not allow alternatives/),
      expect.stringMatching(/^relationships\.provides\[0\]: Provides only allows "="/),
      expect.stringMatching(/^relationships\.provides\[1\]: Provides does not take an architecture qualifier/),
      expect.stringMatching(/^relationships\.builtUsing\[0\]: Built-Using needs an exact source version/),
    ]);
    expect(problemsOf({ architecture: 'amd64', relationships: { depends: ['libc6 [amd64]'] } })).toEqual([]);
  });

  it('checks install paths, duplicates, modes, conffiles and symlinks', () => {
    const problems = problemsOf({
      files: [
        { path: 'usr/share/x', content: '' },
        { path: '/usr/share/../etc/x', content: '' },
        { path: '/usr//share', content: '' },
        { path: '/usr/share/dup', content: '' },
        { path: '/usr/share/dup/below', content: '' },
        { path: '/usr/share/mode', content: '', mode: 0o10000 },
        { path: '/usr/share/conf', content: '', conffile: true },
        { path: '/usr/share/nl\nx', content: '' },
      ],
      directories: [{ path: '/usr/share/dup' }, { path: '/var/x/', mode: -1 }],
      symlinks: [{ path: '/usr/share/link', target: '../../../../etc/passwd' }, { path: '/usr/share/empty-link', target: '' }],
      trees: [{ from: '../outside', to: '/usr/share/t', conffiles: ['not-etc.conf'] }],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^files\[0\]\.path: "usr\/share\/x" is not absolute/),
      expect.stringMatching(/^files\[1\]\.path: .*"\." or "\.\." components/),
      expect.stringMatching(/^files\[2\]\.path: .*contains "\/\/"/),
      expect.stringMatching(/^files\[5\]\.mode: /),
      expect.stringMatching(/^files\[6\]\.conffile: .*not under \/etc/),
      expect.stringMatching(/^files\[7\]\.path: .*NUL or line break/),
      expect.stringMatching(/^directories\[0\]\.path: "\/usr\/share\/dup" is also installed by files\[3\]\.path/),
      expect.stringMatching(/^directories\[1\]\.path: .*ends with "\/"/),
      expect.stringMatching(/^symlinks\[0\]\.target: .*climbs above the root/),
      expect.stringMatching(/^symlinks\[1\]\.target: the target is empty/),
      expect.stringMatching(/^trees\[0\]\.from: .*climbs above the repository root/),
      expect.stringMatching(/^trees\[0\]\.conffiles\[0\]: .*not under \/etc/),
      expect.stringMatching(/^files\[4\]\.path: "\/usr\/share\/dup\/below" lies below "\/usr\/share\/dup", which is a file/),
    ]);
  });

  it('checks maintainer scripts, control content and extra fields', () => {
    const problems = problemsOf({
      scripts: { postinst: 'set -e\n', prerm: 42 as never },
      templates: { nope: 1 } as never,
      extraFields: { Version: '2', 'Bad Name': 'x', 'X-Empty': '', 'X-Cont': 'a\nnot indented' },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^scripts\.prerm: is a number \(42\), not a string, bytes/),
      expect.stringMatching(/^templates\.from: is missing/),
      expect.stringMatching(/^templates\.nope: /),
      // the mistyped prerm does not hide the postinst's problem
      expect.stringMatching(/^scripts\.postinst: .*does not start with "#!"/),
      expect.stringMatching(/^extraFields\["Version"\]: .*written by the builder itself/),
      expect.stringMatching(/^extraFields\["Bad Name"\]: .*not a deb822 field name/),
      expect.stringMatching(/^extraFields\["X-Empty"\]: the value is empty/),
      expect.stringMatching(/^extraFields\["X-Cont"\]: .*not indented/),
    ]);
    expect(problemsOf({ scripts: { postinst: 'set -e\n' } })).toEqual([expect.stringMatching(/^scripts\.postinst: .*does not start with "#!"/)]);
  });

  it('refuses extra fields that differ only in case, or repeat a field the tool writes, in any case (Policy §5.1)', () => {
    expect(problemsOf({ extraFields: { 'X-Foo': 'a', 'x-foo': 'b', 'X-FOO': 'c' } })).toEqual([
      'extraFields["x-foo"]: "x-foo" and "X-Foo" are the same field: field names are case-insensitive (Policy §5.1), and dpkg-deb refuses the duplicate',
      'extraFields["X-FOO"]: "X-FOO" and "X-Foo" are the same field: field names are case-insensitive (Policy §5.1), and dpkg-deb refuses the duplicate',
    ]);
    expect(problemsOf({ extraFields: { depends: 'x', 'INSTALLED-SIZE': '1', 'multi-arch': 'same' } })).toEqual([
      'extraFields["depends"]: "depends" is the field Depends (field names are case-insensitive, Policy §5.1), which is written by the builder itself',
      'extraFields["INSTALLED-SIZE"]: "INSTALLED-SIZE" is the field Installed-Size (field names are case-insensitive, Policy §5.1), which is written by the builder itself',
      'extraFields["multi-arch"]: "multi-arch" is the field Multi-Arch (field names are case-insensitive, Policy §5.1), which is written by the builder itself',
    ]);
    // the fix names the definition's property that gives the field
    const fixes = validateDefinition({ ...base, extraFields: { depends: 'x', 'INSTALLED-SIZE': '1', Source: 'y' } }).map((p) => p.fix);
    expect(fixes).toEqual(['remove it and set relationships.depends in the definition', 'remove it: the builder writes it from the files (computed)', 'remove it and set source in the definition']);
    // the Packages index would drop them without a word
    expect(problemsOf({ extraFields: { Filename: 'x', sha256: 'y' } })).toEqual([
      'extraFields["Filename"]: "Filename" is computed for the Packages index, which drops a control file\'s own copy',
      'extraFields["sha256"]: "sha256" is computed for the Packages index, which drops a control file\'s own copy',
    ]);
    expect(problemsOf({ extraFields: { 'X-Foo': 'a', 'X-Bar': 'b' } })).toEqual([]);
  });

  it('agrees with dpkg-deb, which refuses to build a control file with two spellings of one field', async () => {
    const def = { ...base, extraFields: { 'X-Foo': 'a', 'x-foo': 'b' } };
    const tree = await materialise(def, REPO_ROOT, controlText(controlParagraph(def, 1)));
    try {
      await expect(dpkgDebBuild(tree.dir, 'none', FIXTURE_EPOCH)).rejects.toThrow(/duplicate value for user-defined field/);
    } finally {
      await tree.remove();
    }
  });
});

describe('assertValidDefinition', () => {
  it('throws one DefinitionError listing every problem with package, field and fix', () => {
    let error: unknown;
    try {
      assertValidDefinition({ ...base, name: 'Bad', version: '', maintainer: 'nobody' }, 'pkgs/bad.ts');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    const { problems, message } = error as InvalidDefinitionError;
    expect(problems.map((p) => p.field)).toEqual(['name', 'version', 'maintainer']);
    expect(message).toMatch(/^invalid package definitions \(3 problems\):/);
    for (const p of problems) {
      expect(p.package).toBe('Bad');
      expect(p.fix.length).toBeGreaterThan(5);
      expect(message).toContain(describeProblem(p));
    }
    expect(describeProblem(problems[0] as (typeof problems)[0])).toMatch(/^pkgs\/bad\.ts: package "Bad", name: .* \(fix: /);
  });
});
