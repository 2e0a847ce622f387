// Static validation: each rule, the collection of every problem into one DefinitionError, and
// package names compared with dpkg's own checks.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidDefinitionError, describeProblem } from '../../../repo-tool/src/definitions/problems.js';
import { PACKAGE_NAME } from '../../../repo-tool/src/deb/package-name.js';
import { assertValidDefinition, validateDefinition } from '../../../repo-tool/src/definitions/validate.js';
import type { PackageDefinition } from '../../../repo-tool/src/model/definition.js';
import { DefinitionError } from '../../../repo-tool/src/model/errors.js';
import { fixture, fixtures } from '../deb/helpers/fixtures.js';

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

  it('names list and map fields of the wrong shape instead of crashing on them', () => {
    for (const field of ['files', 'directories', 'symlinks', 'trees'] as const) {
      for (const value of ['x', {}, [1]]) expect(problemsOf({ [field]: value } as never), `${field} ${JSON.stringify(value)}`).toEqual([`${field}: is not a list of objects`]);
    }
    expect(problemsOf({ scripts: 'foo' } as never)).toEqual(['scripts: is not an object of maintainer scripts']);
  });

  it('checks the synopsis and the long description', () => {
    expect(problemsOf({ description: { synopsis: '' } }).join()).toMatch(/synopsis is empty/);
    expect(problemsOf({ description: { synopsis: 'x'.repeat(80) } })).toEqual([]);
    expect(problemsOf({ description: { synopsis: 'x'.repeat(81) } }).join()).toMatch(/has 81 characters/);
    expect(problemsOf({ description: { synopsis: 'two\nlines' } }).join()).toMatch(/spans several lines/);
    expect(problemsOf({ description: { synopsis: 'a sentence.' } }).join()).toMatch(/ends with a period/);
    expect(problemsOf({ description: { synopsis: ' padded' } }).join()).toMatch(/whitespace/);
    expect(problemsOf({ description: { synopsis: 'ok', long: 'a\n.\nb' } }).join()).toMatch(/line 2 is a lone "."/);
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
      expect.stringMatching(/^scripts\.postinst: .*does not start with "#!"/),
      expect.stringMatching(/^scripts\.prerm: the content is not/),
      expect.stringMatching(/^templates: the content is not/),
      expect.stringMatching(/^extraFields\["Version"\]: .*written by the builder itself/),
      expect.stringMatching(/^extraFields\["Bad Name"\]: .*not a deb822 field name/),
      expect.stringMatching(/^extraFields\["X-Empty"\]: the value is empty/),
      expect.stringMatching(/^extraFields\["X-Cont"\]: .*not indented/),
    ]);
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
