// The development key: where it lives, made once with tight permissions, never in the checkout.
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, KeyError } from '../../../repo-tool/src/model/errors.js';
import { developmentKeyNotice, developmentKeyPath, findOrCreateDevelopmentKey } from '../../../repo-tool/src/sign/dev-key.js';
import { loadSigningKeys } from '../../../repo-tool/src/sign/key-load.js';
import { KEY_DATE, SIGN_DATE } from './helpers/keys.js';
import { tempDir } from './helpers/run.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('devkey');
});
afterAll(() => tmp.cleanup());

describe('developmentKeyPath', () => {
  it('uses XDG_DATA_HOME, else ~/.local/share, and ignores a relative XDG_DATA_HOME', () => {
    expect(developmentKeyPath({ XDG_DATA_HOME: '/data', HOME: '/home/u' })).toBe('/data/half-repo/dev-signing-key.asc');
    expect(developmentKeyPath({ HOME: '/home/u' })).toBe('/home/u/.local/share/half-repo/dev-signing-key.asc');
    expect(developmentKeyPath({ XDG_DATA_HOME: 'rel', HOME: '/home/u' })).toBe('/home/u/.local/share/half-repo/dev-signing-key.asc');
    expect(() => developmentKeyPath({})).toThrow(ConfigError);
  });
});

describe('findOrCreateDevelopmentKey', () => {
  it('creates the key once (file 0600, folder 0700) and finds it afterwards', async () => {
    const env = { XDG_DATA_HOME: join(tmp.dir, 'once') };
    const first = await findOrCreateDevelopmentKey({ env, date: KEY_DATE });
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(tmp.dir, 'once', 'half-repo', 'dev-signing-key.asc'));
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(tmp.dir, 'once', 'half-repo'))).mode & 0o777).toBe(0o700);
    const content = await readFile(first.path, 'utf8');
    expect(content).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----\n/);

    const second = await findOrCreateDevelopmentKey({ env, date: SIGN_DATE });
    expect(second).toEqual({ ...first, created: false });
    expect(await readFile(second.path, 'utf8')).toBe(content);

    const signer = await loadSigningKeys([second.source], { env: {}, date: SIGN_DATE });
    expect(signer.keys[0]?.userIds[0]).toMatch(/development/i);
    const notice = developmentKeyNotice(second, signer.fingerprints[0] ?? '');
    expect(notice).toContain('DEVELOPMENT');
    expect(notice).toContain(second.path);
    expect(notice).toContain(signer.fingerprints[0]);
  });

  it('makes exactly one key when several builds start at once', async () => {
    const env = { XDG_DATA_HOME: join(tmp.dir, 'race') };
    const results = await Promise.all([1, 2, 3].map(() => findOrCreateDevelopmentKey({ env, date: KEY_DATE })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const signer = await loadSigningKeys([{ file: results[0]?.path ?? '' }], { env: {}, date: SIGN_DATE });
    expect(signer.fingerprints).toHaveLength(1);
  });

  it('refuses a key file others can read, and a key path inside the source tree', async () => {
    const env = { XDG_DATA_HOME: join(tmp.dir, 'loose') };
    const made = await findOrCreateDevelopmentKey({ env, date: KEY_DATE });
    await chmod(made.path, 0o644);
    const error = await findOrCreateDevelopmentKey({ env, date: KEY_DATE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyError);
    expect((error as KeyError).hint).toBe(`chmod 600 ${made.path}`);
    await expect(findOrCreateDevelopmentKey({ env: { XDG_DATA_HOME: join(tmp.dir, 'src', 'data') }, date: KEY_DATE, sourceRoot: join(tmp.dir, 'src') })).rejects.toThrow(
      /inside the source tree/,
    );
  });
});
