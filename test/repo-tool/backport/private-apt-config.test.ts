// The private apt configuration, read by the real apt: `apt-get update --print-uris` (no network)
// must fetch exactly our deb-src suites and nothing of the machine's own sources, and
// `apt-config dump` must show our directories and sandbox setting.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPrivateApt } from '../../../repo-tool/src/backport/private-apt.js';
import { privateAptDirName, privateAptFiles, type MirrorSource } from '../../../repo-tool/src/backport/private-apt-config.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';

const MIRROR: MirrorSource = { uri: 'http://mirror.invalid/debian', signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' };
const ARMORED = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ…\n-----END PGP PUBLIC KEY BLOCK-----\n';

let root: string;
beforeAll(async () => {
  requireTool('apt-get');
  requireTool('apt-config');
  root = await mkdtemp(join(tmpdir(), 'half-private-apt-'));
});
afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('privateAptFiles', () => {
  it('writes one deb-src stanza with the machine\'s Signed-By', () => {
    const files = privateAptFiles('/c/apt/x', MIRROR, ['bookworm', 'trixie']);
    expect(files.sources).toBe(
      'Types: deb-src\nURIs: http://mirror.invalid/debian\nSuites: bookworm trixie\nComponents: main\n' +
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    );
    expect(files.embeddedKey).toBeUndefined();
    expect(files.aptConf).toContain('Dir::Etc::sourceparts "/c/apt/x/sources.list.d";');
  });

  it('moves an embedded key to a file, and leaves Signed-By out when the machine has none', () => {
    const embedded = privateAptFiles('/c/apt/x', { uri: MIRROR.uri, signedBy: ARMORED }, ['trixie']);
    expect(embedded.embeddedKey).toBe(ARMORED);
    expect(embedded.sources).toContain('Signed-By: /c/apt/x/half-backport-keyring.asc\n');
    expect(privateAptFiles('/c', { uri: MIRROR.uri, signedBy: undefined }, ['sid']).sources).not.toContain('Signed-By');
  });

  it('rejects what apt could not read, with a ConfigError', () => {
    expect(() => privateAptFiles('/c', { uri: 'mirror.invalid/debian', signedBy: undefined }, ['sid'])).toThrow(ConfigError);
    expect(() => privateAptFiles('/c', MIRROR, ['bookworm main'])).toThrow(/invalid suite list/);
    expect(() => privateAptFiles('/c"x', MIRROR, ['sid'])).toThrow(/cannot be written in apt.conf/);
  });

  it('keys its directory by mirror, keys and suites', () => {
    const name = privateAptDirName(MIRROR, ['bookworm', 'trixie']);
    expect(privateAptDirName(MIRROR, ['trixie', 'bookworm'])).toBe(name);
    expect(privateAptDirName({ ...MIRROR, signedBy: undefined }, ['bookworm', 'trixie'])).not.toBe(name);
    expect(privateAptDirName(MIRROR, ['bookworm'])).not.toBe(name);
  });
});

describe('openPrivateApt with the real apt', () => {
  it('makes apt fetch our Sources indexes only', async () => {
    const apt = await openPrivateApt(root, MIRROR, ['bookworm', 'trixie']);
    const uris = await run('apt-get', ['update', '--print-uris'], { env: apt.env, check: true });
    const fetched = uris.stdout.split('\n').filter((l) => l.startsWith("'")).map((l) => l.split("'")[1]);
    expect(fetched.sort()).toEqual([
      'http://mirror.invalid/debian/dists/bookworm/InRelease',
      'http://mirror.invalid/debian/dists/bookworm/main/source/Sources.xz',
      'http://mirror.invalid/debian/dists/trixie/InRelease',
      'http://mirror.invalid/debian/dists/trixie/main/source/Sources.xz',
    ]);
    const dump = (await run('apt-config', ['dump'], { env: apt.env, check: true })).stdout;
    expect(dump).toContain(`Dir::State "${apt.dir}/state";`);
    expect(dump).toContain('APT::Sandbox::User "root";');
  });

  it('writes an embedded key where the stanza says', async () => {
    const apt = await openPrivateApt(root, { uri: MIRROR.uri, signedBy: ARMORED }, ['sid']);
    expect(await readFile(join(apt.dir, 'half-backport-keyring.asc'), 'utf8')).toBe(ARMORED);
    const sources = await readFile(join(apt.dir, 'sources.list.d/half-backport.sources'), 'utf8');
    expect(sources).toContain(`Signed-By: ${apt.dir}/half-backport-keyring.asc`);
  });
});
