import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeb822 } from '../../../repo-tool/src/format/deb822.js';
import { digestsOf } from '../../../repo-tool/src/format/digests.js';
import type { PoolEntry } from '../../../repo-tool/src/model/artifact.js';
import { getField } from '../../../repo-tool/src/model/paragraph.js';
import type { Paragraph } from '../../../repo-tool/src/model/paragraph.js';
import { descriptionMd5, formatPackages, packageStanza, sortBinaries } from '../../../repo-tool/src/repo/packages.js';
import { poolPathOf, sourceNameOf } from '../../../repo-tool/src/repo/pool-path.js';
import { makeDeb, poolEntryOf } from './helpers/debs.js';
import type { DebSpec } from './helpers/debs.js';
import { expectGolden } from './helpers/golden.js';
import { makeTempDir, removeTempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const GOLDEN = join(import.meta.dirname, 'golden');

const SPECS: DebSpec[] = [
  { name: 'half', version: '0.2.0', architecture: 'all', depends: 'half-syncd (>= 0.2.0), keepalived' },
  { name: 'half', version: '0.10.0~rc1', architecture: 'all' },
  { name: 'half', version: '0.10.0', architecture: 'all', extra: [['Multi-Arch', 'foreign'], ['Homepage', 'https://example.org/half'], ['X-Custom', 'kept']] },
  { name: 'half-syncd', version: '1:0.2.0-1', architecture: 'amd64', source: 'half (0.2.0)', depends: 'nodejs (>= 18)' },
  { name: 'libhalf1', version: '0.2.0', architecture: 'amd64', extra: [['Pre-Depends', 'dpkg (>= 1.15)'], ['Provides', 'libhalf'], ['Built-Using', 'gcc-12 (= 12.2.0-14)'], ['Essential', 'no']] },
  { name: 'keepalived', version: '1:2.2.8-1~bpo12+1', architecture: 'amd64', extra: [['Recommends', 'ipvsadm'], ['Breaks', 'half (<< 0.1)'], ['Replaces', 'half (<< 0.1)'], ['Conflicts', 'keepalived-old']] },
];

describe('Packages', () => {
  let dir: string;
  let entries: PoolEntry[];
  beforeAll(async () => {
    dir = await makeTempDir('packages');
    entries = [];
    for (const spec of SPECS) {
      const source = spec.source?.split(' ')[0] ?? spec.name;
      const version = spec.version.replace(/^[0-9]+:/, '');
      const poolPath = poolPathOf('half', source, `${spec.name}_${version}_${spec.architecture}.deb`);
      const deb = await makeDeb(join(dir, poolPath, '..'), spec);
      entries.push(await poolEntryOf(deb, poolPath, ['trixie']));
    }
  });
  afterAll(async () => removeTempDir(dir));

  it('equals apt-ftparchive packages field by field, plus Description-md5', async () => {
    const ours = parseDeb822(formatPackages(entries), { source: 'our Packages' });
    const { stdout } = await run('apt-ftparchive', ['packages', 'pool'], { cwd: dir });
    const theirs = sortBinaries(parseDeb822(stdout, { source: 'apt-ftparchive packages' }).map((control) => ({ control })));
    expect(ours.map((p) => getField(p, 'Filename'))).toEqual(theirs.map((t) => getField(t.control, 'Filename')));
    for (const [i, stanza] of ours.entries()) {
      const withoutMd5 = stanza.filter(([name]) => name !== 'Description-md5');
      expect(withoutMd5).toEqual((theirs[i] as { control: Paragraph }).control);
    }
  });

  it('computes Description-md5 as apt-ftparchive does with short descriptions', async () => {
    const ours = parseDeb822(formatPackages(entries), { source: 'our Packages' });
    const { stdout } = await run('apt-ftparchive', ['-o', 'APT::FTPArchive::LongDescription=false', 'packages', 'pool'], { cwd: dir });
    const theirs = parseDeb822(stdout, { source: 'apt-ftparchive packages' });
    for (const stanza of ours) {
      const match = theirs.find((t) => getField(t, 'Filename') === getField(stanza, 'Filename'));
      expect(getField(stanza, 'Description-md5')).toBe(getField(match ?? [], 'Description-md5'));
    }
  });

  it('sorts by name, then dpkg version order, then architecture', () => {
    const order = parseDeb822(formatPackages(entries), { source: 'ours' }).map((p) => `${getField(p, 'Package')} ${getField(p, 'Version')}`);
    expect(order).toEqual([
      'half 0.2.0', 'half 0.10.0~rc1', 'half 0.10.0', 'half-syncd 1:0.2.0-1', 'keepalived 1:2.2.8-1~bpo12+1', 'libhalf1 0.2.0',
    ]);
    expect(sourceNameOf((entries[3] as PoolEntry).control)).toBe('half');
  });

  it('replaces computed fields a control file carries and writes golden bytes', async () => {
    const bytes = new TextEncoder().encode('not really a deb');
    const entry: PoolEntry = {
      poolPath: 'pool/half/h/half/half_0.1.0_all.deb',
      digests: digestsOf(bytes),
      control: [
        ['Package', 'half'], ['Version', '0.1.0'], ['Architecture', 'all'], ['Maintainer', 'HALF <half@example.org>'],
        ['Installed-Size', '9'], ['Depends', 'half-syncd'], ['Section', 'net'], ['Priority', 'optional'],
        ['Size', '1'], ['SHA256', 'bogus'], ['Description-md5', 'bogus'], ['Description', 'meta\n long\n .\n  verbatim'],
      ],
      paths: [],
      suites: ['trixie'],
      component: 'half',
    };
    const stanza = packageStanza(entry);
    expect(getField(stanza, 'Size')).toBe(String(bytes.byteLength));
    expect(getField(stanza, 'Description-md5')).toBe(descriptionMd5('meta\n long\n .\n  verbatim'));
    await expectGolden(join(GOLDEN, 'Packages'), formatPackages([entry, { ...entry, poolPath: 'pool/half/h/half/half_0.0.9_all.deb', control: entry.control.map(([n, v]) => [n, n === 'Version' ? '0.0.9' : v] as const) }]));
  });
});
