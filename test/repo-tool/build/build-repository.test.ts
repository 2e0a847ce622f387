// buildRepository and pkgs/backports.json: a bad file is refused before any package is built or
// signed (it was reported only after every package of pkgs/ had been built).
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKPORTS_FILE } from '../../../repo-tool/src/build/backports.js';
import { buildRepository } from '../../../repo-tool/src/build/build-repository.js';
import { silentProgress, type Progress } from '../../../repo-tool/src/cli/progress.js';
import { DefinitionError } from '../../../repo-tool/src/model/errors.js';
import { SIGN_DATE, testKey } from '../sign/helpers/keys.js';

// A definition module without imports, so that it loads from a temporary folder.
const MODULE = `export default () => ({
  name: 'half-build-order-test', version: '1.0', architecture: 'all',
  maintainer: 'HALF Maintainers <half-maintainers@example.org>', section: 'admin', priority: 'optional',
  description: { synopsis: 'test package for the build order', long: 'Exists for a test.' },
  files: [{ path: '/usr/share/half-build-order-test/data.txt', content: 'x\\n' }],
});
`;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'half-build-repository-'));
  await mkdir(join(root, 'pkgs'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'half', version: '0.1.0' }));
  await writeFile(join(root, 'pkgs', 'half-build-order-test.ts'), MODULE);
  await mkdir(join(root, 'debian'));
  await writeFile(join(root, 'debian', 'changelog'), CHANGELOG('0.1.0'));
});

const CHANGELOG = (version: string): string =>
  `half (${version}) unstable; urgency=medium\n\n  * A release.\n\n -- HALF Maintainers <half-maintainers@example.org>  Thu, 26 Nov 2026 00:00:00 +0000\n`;
afterAll(() => rm(root, { recursive: true, force: true }));

describe('buildRepository', () => {
  it('refuses an invalid pkgs/backports.json before building any package', async () => {
    const spec = { suites: ['bookworm'], sourceDateEpoch: 1_764_115_200, iteration: 0, maintainer: 'HALF Maintainers <half-maintainers@example.org>' };
    await writeFile(join(root, BACKPORTS_FILE), JSON.stringify({ keepalived: spec }));
    const phases: string[] = [];
    const progress: Progress = { ...silentProgress, start: (label) => phases.push(label) };
    const key = await testKey('build-order');
    const out = join(root, 'public');
    const error = await buildRepository({
      root,
      out,
      keyFiles: [],
      env: { SOURCE_DATE_EPOCH: String(SIGN_DATE.getTime() / 1000), HALF_SIGNING_KEY: key.privateArmored, XDG_CACHE_HOME: join(root, 'cache') },
      now: SIGN_DATE,
      progress,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as Error).message).toMatch(/iteration/);
    expect(phases).toEqual([]);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  // the packages take package.json's version and ship debian/changelog: a release that raised the
  // one and not the other shipped the old release's notes
  it('refuses a debian/changelog whose newest entry is not for package.json\'s version, before building anything', async () => {
    const build = async () => {
      const key = await testKey('build-order');
      return buildRepository({
        root,
        out: join(root, 'public-changelog'),
        keyFiles: [],
        backports: false,
        env: { SOURCE_DATE_EPOCH: String(SIGN_DATE.getTime() / 1000), HALF_SIGNING_KEY: key.privateArmored, XDG_CACHE_HOME: join(root, 'cache') },
        now: SIGN_DATE,
        progress: silentProgress,
      }).catch((e: unknown) => e);
    };
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'half', version: '0.2.0' }));
    try {
      const error = await build();
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as Error).message).toBe("debian/changelog: its newest entry is for half 0.1.0, but package.json's version is 0.2.0");
      expect((error as DefinitionError).hint).toMatch(/^add an entry for 0\.2\.0 at the top of debian\/changelog \(dch -v 0\.2\.0\)/);
      await expect(stat(join(root, 'public-changelog'))).rejects.toThrow(/ENOENT/);
      await writeFile(join(root, 'debian', 'changelog'), CHANGELOG('0.2.0') + '\n' + CHANGELOG('0.1.0'));
      expect(await build()).not.toBeInstanceOf(Error);
    } finally {
      await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'half', version: '0.1.0' }));
      await writeFile(join(root, 'debian', 'changelog'), CHANGELOG('0.1.0'));
    }
  });
});
