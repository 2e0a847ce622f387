import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolEntry } from '../../../repo-tool/src/model/artifact.js';
import { formatContents } from '../../../repo-tool/src/repo/contents.js';
import { poolPathOf } from '../../../repo-tool/src/repo/pool-path.js';
import { makeDeb, poolEntryOf } from './helpers/debs.js';
import type { DebSpec } from './helpers/debs.js';
import { makeTempDir, removeTempDir } from './helpers/tmp.js';

const run = promisify(execFile);

/** "path → set of package names" from Contents text in either tool's layout. */
function parse(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(.*?)\s+(\S+)$/.exec(line);
    if (m === null) continue;
    map.set(m[1] as string, (m[2] as string).split(',').map((l) => l.slice(l.lastIndexOf('/') + 1)).sort());
  }
  return map;
}

describe('Contents', () => {
  let dir: string;
  let entries: PoolEntry[];
  beforeAll(async () => {
    dir = await makeTempDir('contents');
    const specs: DebSpec[] = [
      { name: 'half', version: '0.1', architecture: 'all', files: { '/usr/share/doc/half/README': 'a', '/etc/half/half.conf': 'b' } },
      { name: 'half-syncd', version: '0.1', architecture: 'amd64', files: { '/usr/sbin/half-syncd': 'c', '/usr/share/doc/half/README': 'shared path' } },
      { name: 'half-kernel', version: '0.1', architecture: 'all', section: 'kernel', files: { '/usr/lib/modules-load.d/half.conf': 'd', [`/usr/share/doc/half-kernel/${'x'.repeat(70)}`]: 'long' } },
    ];
    entries = [];
    for (const spec of specs) {
      const path = poolPathOf('half', spec.name, `${spec.name}_0.1_${spec.architecture}.deb`);
      entries.push(await poolEntryOf(await makeDeb(join(dir, path, '..'), spec), path, ['trixie']));
    }
  });
  afterAll(async () => removeTempDir(dir));

  it('lists the same paths and packages as apt-ftparchive contents', async () => {
    const { stdout } = await run('apt-ftparchive', ['contents', 'pool'], { cwd: dir });
    const ours = formatContents(entries);
    expect(parse(ours)).toEqual(parse(stdout));
    expect(ours).toContain('usr/share/doc/half/README');
    expect(ours).toMatch(/^usr\/share\/doc\/half\/README +net\/half,net\/half-syncd$/m);
    expect(ours).toMatch(/^usr\/share\/doc\/half-kernel\/x{70} kernel\/half-kernel$/m);
  });

  it('is sorted by path and empty for no packages', () => {
    const paths = formatContents(entries).trimEnd().split('\n').map((l) => l.split(/\s+/)[0] as string);
    expect(paths).toEqual([...paths].sort());
    expect(formatContents([])).toBe('');
  });
});
