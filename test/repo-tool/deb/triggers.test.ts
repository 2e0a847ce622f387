// The triggers file: what half-repo refuses is what dpkg refuses at install (dpkg -i of a package
// built by dpkg-deb into a throwaway root), and buildDeb refuses it before writing anything.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import { triggersProblem } from '../../../repo-tool/src/deb/triggers.js';
import { DefinitionError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';
import { FIXTURE_EPOCH, fixture, REPO_ROOT } from './helpers/fixtures.js';

const CASES: [string, string | undefined][] = [
  ['interest-noawait /usr/share/half-trig\n  # a comment\n\n  activate-noawait  half-trig-name  \n', undefined],
  // the manual page says a "#" anywhere starts a comment; dpkg reads it as part of the name
  ['activate-noawait half-trig-name # trailing\n', 'line 1: the trigger name "half-trig-name # trailing" has a space or a character outside printable ASCII'],
  ['interst /usr/lib/foo\n', 'line 1: "interst" is not a trigger directive (interest, interest-await, interest-noawait, activate, activate-await, activate-noawait)'],
  ['interest\n', 'line 1: "interest" names no trigger'],
  ['activate two words\n', 'line 1: the trigger name "two words" has a space or a character outside printable ASCII'],
  ['interest caf\u00e9\n', 'line 1: the trigger name "caf\u00e9" has a space or a character outside printable ASCII'],
];

describe('triggersProblem', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-triggers-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(CASES)('%j → %s, as dpkg -i judges it', async (text, problem) => {
    expect(triggersProblem(text)).toBe(problem);
    requireTool('dpkg-deb');
    const name = `t${CASES.findIndex(([t]) => t === text)}`;
    const tree = join(dir, name, 'tree');
    const root = join(dir, name, 'root');
    await mkdir(join(tree, 'DEBIAN'), { recursive: true });
    await mkdir(join(root, 'var', 'lib', 'dpkg', 'updates'), { recursive: true });
    await mkdir(join(root, 'var', 'lib', 'dpkg', 'info'), { recursive: true });
    await writeFile(join(root, 'var', 'lib', 'dpkg', 'status'), '');
    await writeFile(join(tree, 'DEBIAN', 'control'), 'Package: half-trig\nVersion: 1.0\nArchitecture: all\nMaintainer: HALF <half@example.org>\nDescription: triggers test\n');
    await writeFile(join(tree, 'DEBIAN', 'triggers'), text);
    const built = await run('dpkg-deb', ['--root-owner-group', '-b', tree, join(dir, name, 'p.deb')]);
    expect(built.exitCode, built.stderr).toBe(0);
    const installed = await run('dpkg', [`--root=${root}`, '--force-script-chrootless', '-i', join(dir, name, 'p.deb')]);
    expect(installed.exitCode === 0, `dpkg -i: ${installed.stderr}`).toBe(problem === undefined);
  });

  it('stops buildDeb before anything is written', async () => {
    const { definition } = fixture('half-fixture-plain');
    const error = await buildDeb({ ...definition, triggers: 'interst /usr/lib/foo\n' }, { root: REPO_ROOT, mtime: FIXTURE_EPOCH }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as Error).message).toBe(`package "${definition.name}": triggers: line 1: "interst" is not a trigger directive (interest, interest-await, interest-noawait, activate, activate-await, activate-noawait)`);
  });
});
