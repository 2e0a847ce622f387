// pkgs/backports.json as a maintainer may get it wrong (a file that is not an object, an entry
// that is null, a date in milliseconds, a misspelt package name), refused with a message naming
// the key: never an internal error, and never a build that exits 0 without its backport.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKPORTS_FILE, loadBackportSpecs, runBackports, type BackportSpec } from '../../../repo-tool/src/build/backports.js';
import { silentProgress } from '../../../repo-tool/src/cli/progress.js';
import { DefinitionError } from '../../../repo-tool/src/model/errors.js';

const SPEC = { suites: ['bookworm'], sourceDateEpoch: 1_764_115_200, iteration: 1, maintainer: 'HALF Maintainers <half-maintainers@example.org>' };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'half-backports-file-'));
  await mkdir(join(root, 'pkgs'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function load(text: string): Promise<unknown> {
  await writeFile(join(root, BACKPORTS_FILE), text);
  return loadBackportSpecs(root).catch((error: unknown) => error);
}

describe('loadBackportSpecs', () => {
  it('takes a valid file', async () => {
    expect(await load(JSON.stringify({ keepalived: SPEC }))).toEqual([{ package: 'keepalived', optional: [], ...SPEC }]);
  });

  it('refuses a file or an entry that is not an object, naming it', async () => {
    for (const [text, message] of [
      ['null', 'the file holds null, not an object of backports'],
      ['[]', 'the file holds a list, not an object of backports'],
      ['{"keepalived": null}', '"keepalived" must be an object'],
      ['{"keepalived": {', 'JSON'],
    ] as const) {
      const error = await load(text);
      expect(error, text).toBeInstanceOf(DefinitionError);
      expect((error as DefinitionError).exitCode, text).toBe(3); // half-repo --help: invalid package definition in pkgs/
      expect(String(error), text).toContain(message);
    }
  });

  it('refuses a sourceDateEpoch no changelog date can hold (milliseconds, negative)', async () => {
    for (const epoch of [1_764_115_200_000, -1, 1e15]) {
      const error = await load(JSON.stringify({ keepalived: { ...SPEC, sourceDateEpoch: epoch } }));
      expect(error, String(epoch)).toBeInstanceOf(DefinitionError);
      expect(String(error), String(epoch)).toContain('"keepalived.sourceDateEpoch" must be seconds since 1970, up to 253402300799');
    }
    expect(String(await load(JSON.stringify({ keepalived: { ...SPEC, sourceDateEpoch: 1_764_115_200_000 } })))).toContain('looks like milliseconds');
  });
});

describe('runBackports with a package Debian does not have (the Debian archive of this machine)', () => {
  const misspelt: BackportSpec = { package: 'half-no-such-package', optional: [], ...SPEC };

  it('fails the build for a required suite as a wrong definition (exit 3), naming the file to fix', async () => {
    const error = await runBackports([misspelt], { progress: silentProgress }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).exitCode).toBe(3);
    expect(String(error)).toContain(`${BACKPORTS_FILE}: "half-no-such-package" backport for bookworm: no source package half-no-such-package in trixie`);
    expect((error as DefinitionError).hint).toContain(`check the source package name in ${BACKPORTS_FILE}`);
  });

  it('keeps Debian\'s own for an optional suite, with a warning', async () => {
    const warnings: string[] = [];
    const outcomes = await runBackports([{ ...misspelt, optional: ['bookworm'] }], { progress: { ...silentProgress, warn: (text: string) => void warnings.push(text) } });
    expect(outcomes).toMatchObject([{ kind: 'skipped', package: 'half-no-such-package', suite: 'bookworm' }]);
    expect(warnings.join('\n')).toContain('bookworm keeps Debian\'s own half-no-such-package');
  });
});
