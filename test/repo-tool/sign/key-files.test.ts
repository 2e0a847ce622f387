// writePrivateKeyFile: permissions, no overwrite, never inside the checkout.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../../repo-tool/src/model/errors.js';
import { isInside, writePrivateKeyFile } from '../../../repo-tool/src/sign/key-files.js';
import { loadSigningKeys } from '../../../repo-tool/src/sign/key-load.js';
import { SIGN_DATE, testKey } from './helpers/keys.js';
import { tempDir } from './helpers/run.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('keyfiles');
});
afterAll(() => tmp.cleanup());

describe('isInside', () => {
  it('compares resolved paths, not prefixes', () => {
    expect(isInside('/srv/checkout', '/srv/checkout/keys/k.asc')).toBe(true);
    expect(isInside('/srv/checkout', '/srv/checkout')).toBe(true);
    expect(isInside('/srv/checkout', '/srv/checkout-keys/k.asc')).toBe(false);
    expect(isInside('/srv/checkout', '/srv/checkout/../k.asc')).toBe(false);
  });
});

describe('writePrivateKeyFile', () => {
  it('writes a 0600 key in a 0700 folder that loadSigningKeys reads', async () => {
    const key = await testKey('file');
    const path = join(tmp.dir, 'private', 'archive.key.asc');
    await writePrivateKeyFile(path, key.privateArmored, { sourceRoot: join(tmp.dir, 'checkout') });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(tmp.dir, 'private'))).mode & 0o777).toBe(0o700);
    expect((await loadSigningKeys([{ file: path }], { env: {}, date: SIGN_DATE })).fingerprints).toEqual([key.fingerprint]);
  });

  it('never overwrites an existing file and never writes into the checkout', async () => {
    const existing = join(tmp.dir, 'existing.asc');
    await writeFile(existing, 'keep me');
    await expect(writePrivateKeyFile(existing, 'new')).rejects.toThrow(/already exists; not overwriting/);
    expect(await readFile(existing, 'utf8')).toBe('keep me');
    const error = await writePrivateKeyFile(join(tmp.dir, 'checkout', 'keys', 'k.asc'), 'x', { sourceRoot: join(tmp.dir, 'checkout') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyError);
    expect((error as KeyError).message).toMatch(/refusing to write a private key into the source tree/);
  });
});
