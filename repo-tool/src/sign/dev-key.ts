// The development signing key: what `half-repo build` signs with when no key is configured.
// Made once, outside the source tree, at
// `${XDG_DATA_HOME:-$HOME/.local/share}/half-repo/dev-signing-key.asc` (file 0600, folder 0700),
// created atomically (temporary file hard-linked into place) so two builds never make two keys.
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ConfigError, KeyError } from '../model/errors.js';
import { isInside } from './key-files.js';
import { generateSigningKey } from './key-generate.js';
import type { KeySource } from './key-sources.js';

export const DEV_KEY_FILE = 'dev-signing-key.asc';

/** Pure: where the development key lives for this environment. */
export function developmentKeyPath(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env['XDG_DATA_HOME'];
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'half-repo', DEV_KEY_FILE);
  const home = env['HOME'];
  if (home === undefined || !isAbsolute(home)) {
    throw new ConfigError('cannot place the development signing key: neither XDG_DATA_HOME nor HOME is an absolute path', {
      hint: 'set HOME or XDG_DATA_HOME, or give a signing key with --key FILE or HALF_SIGNING_KEY',
    });
  }
  return join(home, '.local', 'share', 'half-repo', DEV_KEY_FILE);
}

export interface DevelopmentKeyOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Creation time of the key if it has to be made. */
  readonly date: Date;
  /** The source tree (repository root): the key must not land inside it. */
  readonly sourceRoot?: string;
}

export interface DevelopmentKey {
  readonly path: string;
  readonly source: KeySource;
  /** True when this call made the key. */
  readonly created: boolean;
}

/** Finds the development key, or makes it (once). Refuses a key file others can read. */
export async function findOrCreateDevelopmentKey(options: DevelopmentKeyOptions): Promise<DevelopmentKey> {
  const path = developmentKeyPath(options.env);
  if (options.sourceRoot !== undefined && isInside(options.sourceRoot, path)) {
    throw new ConfigError(`the development key path ${path} is inside the source tree ${options.sourceRoot}`, {
      hint: 'point XDG_DATA_HOME outside the checkout: private keys are never committed',
    });
  }
  const dir = join(path, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  let created = false;
  try {
    await stat(path);
  } catch {
    const key = await generateSigningKey({
      name: 'HALF development key (NOT FOR PRODUCTION)',
      email: 'half-dev@localhost.invalid',
      date: options.date,
    });
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, key.privateArmored, { mode: 0o600, flag: 'wx' });
    try {
      await link(tmp, path);
      created = true;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause; // another build made it first: use theirs
    } finally {
      await unlink(tmp);
    }
  }
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new KeyError(`development key ${path} is readable by others (mode ${mode.toString(8)})`, { hint: `chmod 600 ${path}` });
  }
  await readFile(path); // fails early (EACCES) with the file's name rather than later in loadSigningKeys
  return { path, source: { file: path }, created };
}

/** What the CLI prints, loudly, whenever it signs with the development key. */
export function developmentKeyNotice(key: DevelopmentKey, fingerprint: string): string {
  return [
    '*** WARNING: signing with a DEVELOPMENT key, not an archive key ***',
    `${key.created ? 'Created' : 'Using'} ${key.path} (fingerprint ${fingerprint}).`,
    'Clients must trust this key explicitly; use it for local testing only.',
    'For a real archive: half-repo keygen, then --key FILE or HALF_SIGNING_KEY / HALF_SIGNING_KEY_FILE.',
  ].join('\n');
}
