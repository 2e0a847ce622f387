import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayGpgKey, type ThrowawayGpgKey } from '../helpers/gpg-key.js';
import { requireTool, run } from '../helpers/tools.js';

let key: ThrowawayGpgKey;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-gpg-selftest-'));
  key = await throwawayGpgKey();
});
afterAll(async () => {
  await key?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('throwawayGpgKey', () => {
  it('makes an Ed25519 key whose signatures gpgv and sqv both accept', async () => {
    requireTool('gpgv');
    requireTool('sqv');
    const release = join(dir, 'Release');
    await writeFile(release, 'Origin: HALF tests\nSuite: stable\n-starts with a dash\n');
    await key.clearsign(release, join(dir, 'InRelease'));
    await key.detachSign(release, join(dir, 'Release.gpg'));
    const inRelease = await readFile(join(dir, 'InRelease'), 'utf8');
    expect(inRelease.startsWith('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n')).toBe(true);
    expect(inRelease).toContain('\n- -starts with a dash\n'); // dash-escaped
    expect((await readFile(join(dir, 'Release.gpg'), 'utf8')).startsWith('-----BEGIN PGP SIGNATURE-----')).toBe(true);

    const gpgv = await run('gpgv', ['--keyring', key.publicKeyring, join(dir, 'Release.gpg'), release]);
    expect(gpgv.exitCode, gpgv.stderr).toBe(0);
    expect((await run('gpgv', ['--keyring', key.publicKeyring, join(dir, 'InRelease')])).exitCode).toBe(0);
    const sqv = await run('sqv', ['--keyring', key.armoredPublicKey, join(dir, 'Release.gpg'), release]);
    expect(sqv.exitCode, sqv.stderr).toBe(0);
    expect(sqv.stdout.trim()).toBe(key.fingerprint);

    const listing = await key.gpg(['--with-colons', '--list-keys', key.fingerprint]);
    expect(listing.stdout).toMatch(/^pub:[^:]*:255:22:/m); // algorithm 22 = EdDSA (Ed25519)
  });

  it('leaves nothing behind after cleanup', async () => {
    const other = await throwawayGpgKey();
    expect(existsSync(other.home)).toBe(true);
    await other.cleanup();
    expect(existsSync(other.home)).toBe(false);
  });
});
