// The helpers together, proven by the real apt of Debian 12 (gpgv) and Debian 13 (sqv): a
// repository made by apt-ftparchive and signed by a throwaway GnuPG key, served on 127.0.0.1,
// updated and installed from inside fresh chroots that see no other source.
import { mkdtemp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianRoot, type DebianRoot } from '../helpers/chroot.js';
import { throwawayGpgKey, type ThrowawayGpgKey } from '../helpers/gpg-key.js';
import { serveDirectory, type DirectoryServer } from '../helpers/http-server.js';
import { buildReferenceRepo, buildTestDeb } from '../helpers/reference-repo.js';
import { run } from '../helpers/tools.js';

const SUITE = 'half-selftest';
const PACKAGE = 'half-selftest-hello';
/** apt's warnings, errors, notices and ignored fetches, in apt 2.6's and apt 3.0's spellings. */
const COMPLAINT = /^(W|E|N|Ign|Err|Warning|Error|Notice):/;

let scratch: string;
let key: ThrowawayGpgKey;
let stranger: ThrowawayGpgKey;
let server: DirectoryServer;
let deb: string;
const roots: DebianRoot[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'half-apt-selftest-'));
  [key, stranger] = await Promise.all([throwawayGpgKey(), throwawayGpgKey('Someone else <else@half.invalid>')]);
  deb = await buildTestDeb({ outDir: scratch, name: PACKAGE, version: '1.0-1' });
  const needsDebian = await buildTestDeb({ outDir: scratch, name: `${PACKAGE}-deps`, version: '1', depends: 'hello' });
  const architecture = (await run('dpkg', ['--print-architecture'], { check: true })).stdout.trim();
  await buildReferenceRepo({ dir: join(scratch, 'public'), suite: SUITE, component: 'main', architectures: [architecture], debs: [deb, needsDebian], key });
  server = await serveDirectory(join(scratch, 'public'));
});
afterAll(async () => {
  for (const root of roots) await root.cleanup();
  await server?.close();
  await key?.cleanup();
  await stranger?.cleanup();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

function complaints(output: string): string[] {
  return output.split('\n').filter((line) => COMPLAINT.test(line));
}

// Debian 12 gets the binary keyring (.gpg), Debian 13 the armored one (.asc): both kinds work.
describe.each([
  ['bookworm', 'gpg'],
  ['trixie', 'asc'],
] as const)('apt in %s (%s keyring)', (suite, keyKind) => {
  it('updates from and installs out of the served repository, silently', async () => {
    const root = await debianRoot({ suite, debianSources: false });
    roots.push(root);
    const keyringPath = keyKind === 'gpg' ? key.publicKeyring : key.armoredPublicKey;
    const written = await root.aptSourceForRepo({ url: server.url, suite: SUITE, component: 'main', keyringPath });
    expect(await root.readFile(written.sourcesPath)).toBe(
      `Types: deb\nURIs: ${server.url}\nSuites: ${SUITE}\nComponents: main\nSigned-By: /etc/apt/keyrings/half-test.${keyKind}\n`,
    );

    const update = await root.run(['apt-get', 'update']);
    expect(update.exitCode, update.stdout + update.stderr).toBe(0);
    expect(complaints(update.stdout + update.stderr)).toEqual([]);
    const fetched = update.stdout.split('\n').filter((line) => /^(Get|Hit):/.test(line));
    expect(fetched.length).toBeGreaterThan(0);
    for (const line of fetched) expect(line).toContain(server.url); // our repository and nothing else

    // apt resumes a download it had started: it asks for the rest with a Range request (apt
    // 3.0 adds If-Range with the partial file's mtime, which apt sets to Last-Modified).
    const partialPath = `/var/cache/apt/archives/partial/${PACKAGE}_1.0-1_all.deb`;
    await root.writeFile(partialPath, (await readFile(deb)).subarray(0, 500));
    const served = await stat(join(scratch, 'public/pool/main', `${PACKAGE}_1.0-1_all.deb`));
    await utimes(await root.hostPath(partialPath), served.atime, served.mtime);
    const before = server.requests.length;
    const install = await root.run(['apt-get', 'install', '-y', PACKAGE]);
    expect(install.exitCode, install.stdout + install.stderr).toBe(0);
    expect(complaints(install.stdout + install.stderr)).toEqual([]);
    expect(server.requests.slice(before)).toContainEqual(
      expect.objectContaining({ path: `/pool/main/${PACKAGE}_1.0-1_all.deb`, status: 206, range: 'bytes=500-' }),
    );
    expect(await root.readFile(`/usr/share/${PACKAGE}/hello`)).toBe(`hello from ${PACKAGE} 1.0-1\n`);
    const status = await root.run(['dpkg-query', '--showformat', '${Status} ${Version}', '--show', PACKAGE]);
    expect(status.stdout).toBe('install ok installed 1.0-1');

    // Unchanged files are not fetched again: If-Modified-Since is answered 304, apt says Hit.
    const again = server.requests.length;
    const second = await root.run(['apt-get', 'update']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/^Hit:1 /m);
    expect(server.requests.slice(again).map((r) => r.status)).toContain(304);
  });

  it('refuses the repository when the Signed-By key is not the signer', async () => {
    const root = await debianRoot({ suite, debianSources: false });
    roots.push(root);
    await root.aptSourceForRepo({ url: server.url, suite: SUITE, component: 'main', keyringPath: stranger.publicKeyring, name: 'wrong-key' });
    const update = await root.run(['apt-get', 'update']);
    const output = update.stdout + update.stderr;
    expect(output).toMatch(/NO_PUBKEY|not signed|Missing key|signature/i);
    expect(complaints(output).length).toBeGreaterThan(0);
    const install = await root.run(['apt-get', 'install', '-y', PACKAGE]);
    expect(install.exitCode).not.toBe(0);
  });
});

describe('apt with the Debian sources kept', () => {
  it('installs our package and its dependency from the machine\'s Debian mirror', async () => {
    const root = await debianRoot({ suite: 'bookworm' });
    roots.push(root);
    await root.aptSourceForRepo({ url: server.url, suite: SUITE, component: 'main', keyringPath: key.publicKeyring });
    const update = await root.run(['apt-get', 'update']);
    expect(update.exitCode, update.stdout + update.stderr).toBe(0);
    expect(complaints(update.stdout + update.stderr)).toEqual([]);
    expect(update.stdout).toContain(`${root.mirror} bookworm InRelease`);
    const install = await root.run(['apt-get', 'install', '-y', `${PACKAGE}-deps`]);
    expect(install.exitCode, install.stdout + install.stderr).toBe(0);
    expect(complaints(install.stdout + install.stderr)).toEqual([]);
    expect((await root.run(['hello'])).stdout).toBe('Hello, world!\n');
  });
});
