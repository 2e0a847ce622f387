import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { defaultRepoConfig } from '../../../repo-tool/src/repo/config.js';
import type { Problem } from '../../../repo-tool/src/verify/problem.js';
import { verifyRepository } from '../../../repo-tool/src/verify/verify.js';
import { publishRound } from '../repo/helpers/scenario.js';
import { makeTestKey } from '../repo/helpers/signer.js';
import type { TestKey } from '../repo/helpers/signer.js';
import { makeNativeSource } from '../repo/helpers/sources.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';

const run = promisify(execFile);
const DATE = new Date('2026-11-20T10:00:00Z');
const NOW = new Date('2026-11-20T12:00:00Z');
const DEB = 'pool/half/h/half-syncd/half-syncd_0.1.0_amd64.deb';

describe('verify', () => {
  let dir: string;
  let out: string;
  let key: TestKey;
  let copies = 0;
  /** A fresh copy of the published repository to damage. */
  const copy = async (): Promise<string> => {
    const target = join(dir, `copy${copies++}`);
    await run('cp', ['-a', out, target]);
    return target;
  };
  const messages = (problems: readonly Problem[]) => problems.map((p) => `${p.path}: ${p.message}`);

  beforeAll(async () => {
    dir = await makeTempDir('verify');
    out = join(dir, 'repo');
    key = await makeTestKey();
    await publishRound(new LocalStorage(out), key.signer, dir, {
      config: { ...defaultRepoConfig, validFor: 7 * 86400 },
      date: DATE,
      debs: [
        { name: 'half', version: '0.1.0', architecture: 'all' },
        { name: 'half-syncd', version: '0.1.0', architecture: 'amd64' },
      ],
      sources: [await makeNativeSource(join(dir, 'src'), 'half', '0.1.0')],
    });
  });
  afterAll(async () => removeTempDir(dir));

  it('finds nothing wrong with what publish wrote, in every suite and suite symlink', async () => {
    expect(messages(await verifyRepository(out, key.publicBinary, NOW))).toEqual([]);
    expect(messages(await verifyRepository(out, new TextEncoder().encode(key.publicArmored), NOW))).toEqual([]);
  });

  it('names a pool file whose bytes changed, in every index that lists it', async () => {
    const repo = await copy();
    const bytes = await readFile(join(repo, DEB));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    await writeFile(join(repo, DEB), bytes);
    const found = messages(await verifyRepository(repo, key.publicBinary, NOW));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((m) => m.startsWith(`${DEB}: `))).toBe(true);
    expect(found).toContainEqual(expect.stringMatching(/^pool\/.*: sha256 is [0-9a-f]{64}, dists\/trixie\/half\/binary-amd64\/Packages says [0-9a-f]{64}$/));
  });

  it('names a missing by-hash copy, a damaged index and a missing source tarball', async () => {
    const repo = await copy();
    const byHashDir = join(repo, 'dists/bookworm/half/binary-amd64/by-hash/SHA512');
    const [first] = (await run('ls', [byHashDir])).stdout.trim().split('\n');
    await rm(join(byHashDir, first as string));
    await writeFile(join(repo, 'dists/trixie/half/binary-all/Packages.gz'), 'not gzip');
    await rm(join(repo, 'pool/half/h/half/half_0.1.0.tar.xz'));
    const found = messages(await verifyRepository(repo, key.publicBinary, NOW));
    const copyPath = `dists/bookworm/half/binary-amd64/by-hash/SHA512/${first}`;
    expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${copyPath}: missing: Acquire-By-Hash is on and Release lists half/binary-amd64/(Packages|Packages\\.gz|Packages\\.xz|Release) with this SHA512$`)));
    expect(found).toContainEqual(expect.stringMatching(/^dists\/trixie\/half\/binary-all\/Packages\.gz: size is 8, Release says \d+$/));
    expect(found).toContainEqual(expect.stringMatching(/^pool\/half\/h\/half\/half_0\.1\.0\.tar\.xz: missing, but dists\/(bookworm|trixie)\/half\/source\/Sources lists it$/));
  });

  it('names an index that decompresses beyond the limit (a gzip bomb) as a problem, without holding it whole', async () => {
    const repo = await copy();
    const bomb = join(repo, 'dists/trixie/half/binary-all/Packages.gz');
    // 600 MiB of zeros, some 600 KB as gzip
    await run('sh', ['-c', `head -c ${600 * 1024 * 1024} /dev/zero | gzip -1 > '${bomb}'`]);
    const found = messages(await verifyRepository(repo, key.publicBinary, NOW));
    expect(found).toContainEqual(expect.stringMatching(/^dists\/trixie\/half\/binary-all\/Packages\.gz: cannot be decompressed: .*refused, its gzip output exceeds 536870912 bytes \(512 MiB\)/));
    expect(found.some((m) => m.includes('decompresses to something other than'))).toBe(false);
  }, 120_000);

  it('names signatures that do not verify, a Release that differs from InRelease and an unarmored Release.gpg', async () => {
    const other = await makeTestKey('someone else');
    expect(messages(await verifyRepository(out, other.publicBinary, NOW))).toContainEqual(expect.stringMatching(/^dists\/trixie\/InRelease: signature by [0-9A-F]{16} does not verify with the keyring/));

    const repo = await copy();
    const releasePath = join(repo, 'dists/trixie/Release');
    await writeFile(releasePath, (await readFile(releasePath, 'utf8')).replace('Label: HALF', 'Label: Evil'));
    await writeFile(join(repo, 'dists/bookworm/Release.gpg'), new Uint8Array([0x88, 0x75, 0x04]));
    const found = messages(await verifyRepository(repo, key.publicBinary, NOW));
    expect(found).toContain('dists/trixie/InRelease: does not carry the same text as Release');
    expect(found).toContainEqual(expect.stringMatching(/^dists\/trixie\/Release\.gpg: signature by [0-9A-F]{16} does not verify/));
    expect(found).toContain('dists/bookworm/Release.gpg: is not an ASCII-armored signature (apt counts a binary one as no signature)');
  });

  it('names a symlink loop, an index that is a directory and a Filename naming a directory, and goes on', async () => {
    const repo = await copy();
    await rm(join(repo, 'dists/stable'));
    await symlink('stable', join(repo, 'dists/stable'));
    await rm(join(repo, 'dists/trixie/half/binary-amd64/Packages'));
    await symlink('Packages', join(repo, 'dists/trixie/half/binary-amd64/Packages'));
    await rm(join(repo, 'dists/bookworm/half/binary-amd64/Packages'));
    await mkdir(join(repo, 'dists/bookworm/half/binary-amd64/Packages'));
    const packages = join(repo, 'dists/trixie/half/binary-all/Packages');
    await writeFile(packages, (await readFile(packages, 'utf8')).replace(/^Filename: pool\/half\/h\/half\/.*$/m, 'Filename: pool/half/h/half'));
    const found = messages(await verifyRepository(repo, key.publicBinary, NOW));
    expect(found).toContain('dists/stable/InRelease: is a symlink loop (too many levels of symbolic links): a web server cannot serve it (replace it with the file apt expects, or republish)');
    expect(found).toContain('dists/trixie/half/binary-amd64/Packages: is a symlink loop (too many levels of symbolic links): a web server cannot serve it (replace it with the file apt expects, or republish)');
    expect(found).toContain('dists/bookworm/half/binary-amd64/Packages: is a directory, not a file: a web server cannot serve it (replace it with the file apt expects, or republish)');
    expect(found.filter((m) => m === 'pool/half/h/half: is a directory, not a file: a web server cannot serve it (replace it with the file apt expects, or republish)')).toHaveLength(1);
    // The other problems are still there: the changed index no longer matches its Release.
    expect(found).toContainEqual(expect.stringMatching(/^dists\/trixie\/half\/binary-all\/Packages: size is \d+, Release says \d+$/));
  });

  it('names a Filename outside the repository as a problem of its index, and goes on', async () => {
    const repo = await copy();
    const packages = join(repo, 'dists/trixie/half/binary-all/Packages');
    const text = await readFile(packages, 'utf8');
    await writeFile(packages, `${text.replace(/^Filename: .*$/m, 'Filename: pool/../../../etc/passwd')}\n${text.replace(/^Filename: .*$/m, 'Filename: /etc/passwd').replace(/^Package: half$/m, 'Package: half-two')}`);
    const found = messages(await verifyRepository(repo, key.publicBinary, NOW));
    const outside = (path: string) => `dists/trixie/half/binary-all/Packages: lists "${path}", which is not a path inside the repository (apt would fetch it from outside the pool; republish to regenerate the index)`;
    expect(found).toContain(outside('pool/../../../etc/passwd'));
    expect(found).toContain(outside('/etc/passwd'));
    expect(found).toContainEqual(expect.stringMatching(/^dists\/trixie\/half\/binary-all\/Packages: size is \d+, Release says \d+$/));
  });

  it('judges Date and Valid-Until against the given time, and Suite/Codename against the directory', async () => {
    const early = messages(await verifyRepository(out, key.publicBinary, new Date(DATE.getTime() - 60_000)));
    expect(early).toContain('dists/trixie/Release: Date Fri, 20 Nov 2026 10:00:00 UTC is in the future (apt: "not valid yet")');
    const late = messages(await verifyRepository(out, key.publicBinary, new Date(DATE.getTime() + 8 * 86400_000)));
    expect(late).toContain('dists/trixie/Release: expired: Valid-Until Fri, 27 Nov 2026 10:00:00 UTC has passed (publish again)');

    const repo = await copy();
    await symlink('trixie', join(repo, 'dists/unstable'));
    expect(messages(await verifyRepository(repo, key.publicBinary, NOW))).toEqual([
      'dists/unstable/Release: neither Suite (stable) nor Codename (trixie) is "unstable", the directory apt asks for',
    ]);
  });
});
