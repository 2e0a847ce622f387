// Writing a private key file for `half-repo keygen`: mode 0600 in a 0700 folder, never over an
// existing file, never inside the source tree (keys/ holds public keys only; write those with
// public-keyring.ts).
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { KeyError } from '../model/errors.js';

/** True when `path` is `root` or below it. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export interface PrivateKeyFileOptions {
  /** The checkout; the key must not be written below it. */
  readonly sourceRoot?: string;
}

/** Creates `path` holding `armored` (mode 0600); fails if it exists. Atomic: readers never see half a key. */
export async function writePrivateKeyFile(path: string, armored: string, options: PrivateKeyFileOptions = {}): Promise<void> {
  if (options.sourceRoot !== undefined && isInside(options.sourceRoot, path)) {
    throw new KeyError(`refusing to write a private key into the source tree: ${path}`, {
      hint: 'write it outside the checkout (e.g. ~/.local/share/half-repo/) and keep only the public key in keys/',
    });
  }
  const dir = dirname(resolve(path));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, armored, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(tmp, 0o600);
    await link(tmp, path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeyError(`${path} already exists; not overwriting a private key`, {
        hint: 'choose another file name, or remove the old key yourself',
      });
    }
    throw new KeyError(`cannot write private key ${path}: ${(cause as Error).message}`, { cause });
  } finally {
    await unlink(tmp);
  }
}
