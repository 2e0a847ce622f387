// The host's own apt (Debian 12's apt 2.6, with gpgv) as a client, fully isolated from the
// machine's apt configuration and state by APT_CONFIG and private directories.
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { publishRound } from '../repo/helpers/scenario.js';
import { makeTestKey } from '../repo/helpers/signer.js';
import { makeNativeSource } from '../repo/helpers/sources.js';
import { serveDirectory } from '../repo/helpers/static-server.js';
import type { StaticServer } from '../repo/helpers/static-server.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';

const run = promisify(execFile);

describe('apt-get against a published repository', () => {
  let dir: string;
  let server: StaticServer;
  let env: NodeJS.ProcessEnv;
  let apt: string;
  const aptGet = async (...args: string[]) => {
    const { stdout, stderr } = await run('apt-get', args, { env, cwd: join(apt, 'work') });
    return `${stdout}${stderr}`;
  };

  beforeAll(async () => {
    dir = await makeTempDir('apt-client');
    const out = join(dir, 'repo');
    const key = await makeTestKey();
    // Dated now: apt checks Date against its own clock.
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await publishRound(new LocalStorage(out), key.signer, dir, {
      date: now,
      debs: [
        { name: 'half', version: '0.1.0', architecture: 'all', depends: 'half-syncd (>= 0.1.0)' },
        { name: 'half-syncd', version: '0.1.0', architecture: 'amd64' },
      ],
      sources: [await makeNativeSource(join(dir, 'src'), 'half', '0.1.0')],
    });
    // A second generation, so by-hash matters: the first one's files remain next to it.
    await publishRound(new LocalStorage(out), key.signer, dir, { date: new Date(now.getTime() + 1000), debs: [{ name: 'half', version: '0.2.0', architecture: 'all', depends: 'half-syncd (>= 0.1.0)' }] });
    server = await serveDirectory(out);
    apt = join(dir, 'apt');
    for (const sub of ['etc/apt.conf.d', 'etc/sources.list.d', 'etc/preferences.d', 'etc/trusted.gpg.d', 'state/lists/partial', 'cache/archives/partial', 'log', 'work']) {
      await mkdir(join(apt, sub), { recursive: true });
    }
    await writeFile(join(apt, 'keyring.gpg'), key.publicBinary);
    await writeFile(join(apt, 'status'), '');
    await writeFile(join(apt, 'etc/sources.list'), '');
    await writeFile(
      join(apt, 'etc/sources.list.d/half.sources'),
      `Types: deb deb-src\nURIs: ${server.url}\nSuites: stable bookworm\nComponents: half\nSigned-By: ${join(apt, 'keyring.gpg')}\n`,
    );
    await writeFile(
      join(apt, 'apt.conf'),
      [
        `Dir::Etc "${join(apt, 'etc')}";`,
        `Dir::State "${join(apt, 'state')}";`,
        `Dir::State::status "${join(apt, 'status')}";`,
        `Dir::Cache "${join(apt, 'cache')}";`,
        `Dir::Log "${join(apt, 'log')}";`,
        'APT::Architecture "amd64";',
        'APT::Architectures { "amd64"; };',
        'APT::Sandbox::User "root";',
        'Acquire::Languages "none";',
        'Acquire::http::Proxy "DIRECT";',
        'Debug::NoLocking "true";',
      ].join('\n') + '\n',
    );
    env = { ...process.env, APT_CONFIG: join(apt, 'apt.conf'), LC_ALL: 'C' };
  });
  afterAll(async () => {
    await server?.close();
    await removeTempDir(dir);
  });

  it('updates without warnings or errors, through by-hash, for the suite name and the codename', async () => {
    const output = await aptGet('update');
    expect(output.split('\n').filter((l) => /^(W|E|Err|Ign):/.test(l))).toEqual([]);
    expect(output).toMatch(/Get:\d+ http:\/\/127\.0\.0\.1:\d+ stable InRelease/);
    expect(output).toMatch(/Get:\d+ http:\/\/127\.0\.0\.1:\d+ bookworm InRelease/);
    expect(server.requests.some((r) => /^\/dists\/stable\/half\/binary-amd64\/by-hash\/SHA512\/[0-9a-f]{128}$/.test(r))).toBe(true);
    expect(server.requests.some((r) => /\/source\/by-hash\/SHA512\//.test(r))).toBe(true);
  });

  it('downloads a package with its dependency, and a source package, verifying their hashes', async () => {
    const install = await aptGet('install', '--download-only', '-y', 'half');
    expect(install).toMatch(/Get:\d+ .* half all 0\.2\.0/);
    expect(install).toMatch(/Get:\d+ .* half-syncd amd64 0\.1\.0/);
    expect((await readdir(join(apt, 'cache/archives'))).filter((f) => f.endsWith('.deb')).sort()).toEqual(['half-syncd_0.1.0_amd64.deb', 'half_0.2.0_all.deb']);
    const source = await aptGet('source', '--download-only', 'half');
    expect(source.split('\n').filter((l) => /^(W|E):/.test(l))).toEqual([]);
    expect((await readdir(join(apt, 'work'))).sort()).toEqual(['half_0.1.0.dsc', 'half_0.1.0.tar.xz']);
  });
});
