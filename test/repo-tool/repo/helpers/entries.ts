// Pool entries without .debs behind them, for tests of pure planning logic.
import { digestsOf } from '../../../../repo-tool/src/format/digests.js';
import type { PoolEntry } from '../../../../repo-tool/src/model/artifact.js';
import type { NewPoolFile } from '../../../../repo-tool/src/repo/plan-model.js';
import { debFileName, poolPathOf } from '../../../../repo-tool/src/repo/pool-path.js';

export function fakeEntry(name: string, version: string, architecture: string, suites: readonly string[], component = 'half'): { entry: PoolEntry; file: NewPoolFile } {
  const bytes = new TextEncoder().encode(`${name} ${version} ${architecture}`);
  const path = poolPathOf(component, name, debFileName(name, version, architecture));
  const digests = digestsOf(bytes);
  return {
    entry: {
      poolPath: path,
      digests,
      control: [['Package', name], ['Version', version], ['Architecture', architecture], ['Maintainer', 'T <t@example.org>'], ['Section', 'net'], ['Description', `${name}\n test`]],
      paths: [`usr/share/doc/${name}/README`],
      suites,
      component,
    },
    file: { path, bytes, digests },
  };
}
