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
});
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
});
