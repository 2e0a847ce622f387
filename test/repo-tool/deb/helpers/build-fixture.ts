// Child-process entry for the reproducibility test: builds every fixture with xz and gzip into
// a folder, as <package>-<compression>.deb. Usage: node --import tsx build-fixture.ts <outdir>
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDeb } from '../../../../repo-tool/src/deb/build-deb.js';
import { FIXTURE_EPOCH, fixtures, REPO_ROOT } from './fixtures.js';

const [out = ''] = process.argv.slice(2);
for (const { definition } of fixtures) {
  for (const compression of ['xz', 'gzip'] as const) {
    const artifact = await buildDeb(definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, compression });
    await writeFile(join(out, `${definition.name}-${compression}.deb`), artifact.bytes);
  }
}
