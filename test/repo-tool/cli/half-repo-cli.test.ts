// The half-repo command line as a maintainer meets it: exit codes from --help, keygen, and bad
// input (a corrupt .deb to import, a missing or unsuitable key, a damaged repository to verify),
// each refused with a message naming the thing and the fix, and the published repository
// byte for byte untouched.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import { halfRepo, isolatedKeyHome, PROJECT_ROOT } from '../../helpers/half-repo-cli.js';
import { run } from '../../helpers/tools.js';

let work: string;
let out: string;
let keyHome: string;
let env: Record<string, string>;

/** Every file (and symlink target) below `dir` with its SHA-256: the repository's fingerprint. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) files.set(relative(dir, path), `-> ${(await stat(path)).ino}`);
      else files.set(relative(dir, path), createHash('sha256').update(await readFile(path)).digest('hex'));
    }
  };
  await walk(dir);
  return files;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'half-cli-'));
  out = join(work, 'public');
  keyHome = await isolatedKeyHome();
  env = { XDG_DATA_HOME: keyHome };
  const built = await halfRepo(['build', '--out', out, '--no-backports'], { env });
  expect(built.exitCode, built.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(keyHome, { recursive: true, force: true });
});

describe('half-repo', () => {
  it('documents its exit codes in --help and exits 2 on a bad command line', async () => {
    const help = await halfRepo(['--help']);
    expect(help.exitCode).toBe(0);
    for (const code of ['0  success', '2  bad command line', '4  malformed', '5  signing key', '6  verify']) expect(help.stdout).toContain(code);
    const bad = await halfRepo(['build', '--compression', 'bz2', '--out', join(work, 'never')], { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--compression bz2 is not xz, gzip or none[\s\S]*fix:/);
    expect((await halfRepo(['frobnicate'])).exitCode).toBe(2);
  });

  it('keygen writes the private key outside the checkout (0600) and the public key as .gpg and .asc', async () => {
    const privateKey = join(work, 'secret', 'archive.asc');
    const keysDir = join(work, 'keys');
    const made = await halfRepo(['keygen', '--private-key', privateKey, '--keys-dir', keysDir]);
    expect(made.exitCode, made.stderr).toBe(0);
    const fingerprint = /fingerprint ([0-9A-F]{40})/.exec(made.stdout)?.[1];
    expect(fingerprint).toBeDefined();
    expect((await stat(privateKey)).mode & 0o777).toBe(0o600);
    const names = (await readdir(keysDir)).sort();
    expect(names).toEqual([`half-archive-${fingerprint!.slice(-16)}.asc`, `half-archive-${fingerprint!.slice(-16)}.gpg`]);
    // gpg reads the binary public key and finds the same fingerprint.
    const gnupgHome = await mkdtemp(join(work, 'gnupg-'));
    const shown = await run('gpg', ['--show-keys', '--with-colons', join(keysDir, names[1]!)], { env: { GNUPGHOME: gnupgHome } });
    expect(shown.stdout).toContain(`fpr:::::::::${fingerprint}:`);
    // And the repository builds with it.
    const other = join(work, 'with-key');
    const built = await halfRepo(['build', '--out', other, '--no-backports', '--key', privateKey], { env });
    expect(built.exitCode, built.stderr).toBe(0);
    expect(built.stderr).not.toContain('DEVELOPMENT');
    const verified = await halfRepo(['verify', other, '--keyring', join(keysDir, names[1]!)]);
    expect(verified.exitCode, verified.stderr).toBe(0);
  });

  it('keygen refuses to write a private key into the checkout', async () => {
    const result = await halfRepo(['keygen', '--private-key', join(PROJECT_ROOT, 'oops-private.asc'), '--keys-dir', join(work, 'keys2')]);
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toMatch(/refusing to write a private key into the source tree/);
    await expect(stat(join(PROJECT_ROOT, 'oops-private.asc'))).rejects.toThrow();
  });

  it('refuses a truncated .deb on import (exit 4) and leaves the repository untouched', async () => {
    const before = await snapshot(out);
    const deb = await buildDeb(
      { name: 'half-cli-test', version: '1.0', architecture: 'all', maintainer: 'HALF Maintainers <half-maintainers@example.org>', description: { synopsis: 'import probe' }, files: [{ path: '/usr/share/half-cli-test/x', content: 'x\n' }] },
      { root: PROJECT_ROOT, mtime: 1764115200 },
    );
    const good = join(work, deb.fileName);
    await writeFile(good, deb.bytes);
    const broken = join(work, 'broken', deb.fileName);
    await run('mkdir', ['-p', join(work, 'broken')]);
    await writeFile(broken, deb.bytes.subarray(0, deb.bytes.length - 100));
    const result = await halfRepo(['import', good, broken, '--out', out], { env });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(broken);
    expect(result.stderr).toMatch(/nothing was imported[\s\S]*fix:/);
    expect(await snapshot(out)).toEqual(before);
  });

  it('refuses a FIFO named like a .deb at once (it hung forever), and a refused import into a new directory leaves no directory behind', async () => {
    const fifo = join(work, 'pipe', 'half-cli-fifo_1.0_all.deb');
    await run('mkdir', ['-p', join(work, 'pipe')]);
    await run('mkfifo', [fifo], { check: true });
    const before = await snapshot(out);
    const refused = await halfRepo(['import', fifo, '--out', out], { env, timeoutMs: 60_000 });
    expect(refused.exitCode, refused.stderr).toBe(4);
    expect(refused.stderr).toContain(`${fifo}: is a FIFO (named pipe), not a regular file`);
    expect(await snapshot(out)).toEqual(before);

    const fresh = join(work, 'fresh', 'public');
    const intoNew = await halfRepo(['import', fifo, '--out', fresh], { env, timeoutMs: 60_000 });
    expect(intoNew.exitCode, intoNew.stderr).toBe(4);
    expect(await stat(fresh).then(() => 'there', () => 'absent')).toBe('absent');
  });

  it('refuses a missing signing key (exit 5) and leaves the repository untouched', async () => {
    const before = await snapshot(out);
    const result = await halfRepo(['build', '--out', out, '--no-backports'], { env: { ...env, HALF_SIGNING_KEY_FILE: join(work, 'no-such-key.asc') } });
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toMatch(/no-such-key\.asc[\s\S]*fix:/);
    expect(await snapshot(out)).toEqual(before);
  });

  it('refuses a --url apt could not use, and a SOURCE_DATE_EPOCH past what a signature can hold, before building (exit 2)', async () => {
    const before = await snapshot(out);
    const url = await halfRepo(['build', '--out', out, '--no-backports', '--url', 'ftp://my host/ repo'], { env });
    expect(url.exitCode).toBe(2);
    expect(url.stderr).toMatch(/--url "ftp:\/\/my host\/ repo" is not an http:\/\/, https:\/\/ or file:\/\/ URL[\s\S]*fix:/);
    const epoch = await halfRepo(['build', '--out', out, '--no-backports'], { env: { ...env, SOURCE_DATE_EPOCH: '99999999999' } });
    expect(epoch.exitCode).toBe(2);
    expect(epoch.stderr).toMatch(/SOURCE_DATE_EPOCH="99999999999" is not a whole number of seconds from 0 to 4294967295/);
    expect(epoch.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(await snapshot(out)).toEqual(before);
  });

  it('refuses to backport to a suite pkgs/backports.json does not list (it exited 0 having done nothing)', async () => {
    const result = await halfRepo(['backport', 'keepalived', '--suite', 'sid', '--out', join(work, 'never3')], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--suite sid: keepalived is backported to bookworm.* only[\s\S]*fix:/);
    await expect(stat(join(work, 'never3'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a public key given as the signing key (exit 5)', async () => {
    const result = await halfRepo(['build', '--out', join(work, 'never2'), '--no-backports', '--key', join(out, 'half-archive-keyring.asc')], { env });
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toMatch(/public key|private key/i);
  });

  it('verify names a damaged index and exits 6', async () => {
    const copy = join(work, 'damaged');
    await run('cp', ['-a', out, copy], { check: true });
    const packages = join(copy, 'dists', 'trixie', 'half', 'binary-amd64', 'Packages.gz');
    const bytes = await readFile(packages);
    bytes[bytes.length - 12] = (bytes[bytes.length - 12] ?? 0) ^ 0xff;
    await writeFile(packages, bytes);
    const result = await halfRepo(['verify', copy]);
    expect(result.exitCode).toBe(6);
    expect(result.stderr).toContain('dists/trixie/half/binary-amd64/Packages.gz');
  });

  it('clean lists (--dry-run) and then removes a pool file nothing names, leaving a repository verify passes; without the state it refuses (exit 7)', async () => {
    const copy = join(work, 'cleaned');
    await run('cp', ['-a', out, copy], { check: true });
    const before = await snapshot(copy);
    const someDeb = [...before.keys()].find((p) => p.startsWith('pool/') && p.endsWith('.deb'));
    if (someDeb === undefined) throw new Error('the built repository has no .deb');
    const stray = 'pool/half/s/stray/stray_1.0_all.deb';
    await run('mkdir', ['-p', join(copy, 'pool/half/s/stray')], { check: true });
    await run('cp', [join(copy, someDeb), join(copy, stray)], { check: true });
    const withStray = await snapshot(copy);
    const dry = await halfRepo(['clean', '--dry-run', copy]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would remove ${stray}\n`);
    expect(dry.stdout).toContain('half-repo import');
    expect(await snapshot(copy)).toEqual(withStray);
    const cleaned = await halfRepo(['clean', copy]);
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toBe(`removed ${stray}\n`);
    expect(await snapshot(copy)).toEqual(before);
    expect((await halfRepo(['verify', copy])).exitCode).toBe(0);
    expect((await halfRepo(['clean', copy])).stdout).toMatch(/^nothing to clean/);

    await rm(join(copy, '.half-repo', 'state.json'));
    const refused = await halfRepo(['clean', copy]);
    expect(refused.exitCode).toBe(7);
    expect(refused.stderr).toMatch(/state\.json is missing[\s\S]*fix: restore/);
  });
});
