// The archive's public keyring in the two forms apt's Signed-By accepts (sources.list(5),
// apt-secure(8)): a binary OpenPGP keyring `.gpg` (transferable public keys, RFC 9580 §10.1,
// concatenated; not a GnuPG keybox) and an armored `.asc` (one armor block holding all keys).
// Both world-readable: apt reads them as the `_apt` user.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyError } from '../model/errors.js';
import { armor } from './armor.js';
import { PacketTag, readPackets } from './packets.js';

export interface PublicKeyring {
  readonly binary: Uint8Array;
  readonly armored: string;
}

/** Pure: joins binary transferable public keys into both keyring forms. */
export function publicKeyringOf(publicKeys: readonly Uint8Array[]): PublicKeyring {
  for (const [i, key] of publicKeys.entries()) {
    const packets = readPackets(key);
    if (!packets.ok || packets.value[0]?.tag !== PacketTag.publicKey) {
      throw new KeyError(`public key #${i + 1} is not a binary transferable public key`, { hint: 'pass key.toPublic().write()' });
    }
  }
  const binary = new Uint8Array(Buffer.concat(publicKeys));
  return { binary, armored: armor('PGP PUBLIC KEY BLOCK', binary) };
}

export type KeyringFormat = 'openpgp' | 'armored' | 'keybox' | 'unknown';

/**
 * What apt would make of a Signed-By file's bytes: `openpgp` when it starts with a public-key
 * packet (0x99 old format, 0xC6 new format, as apt's sqv method checks) and every packet parses;
 * `keybox` for GnuPG's `.kbx` ("KBXf" at offset 8), which apt rejects.
 */
export function keyringFormat(bytes: Uint8Array): KeyringFormat {
  const text = Buffer.from(bytes.subarray(0, 40)).toString('latin1');
  if (text.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return 'armored';
  if (text.slice(8, 12) === 'KBXf') return 'keybox';
  const first = bytes[0];
  if (first !== 0x99 && first !== 0xc6) return 'unknown';
  return readPackets(bytes).ok ? 'openpgp' : 'unknown';
}

const FILE_NAME = /^[A-Za-z0-9_:.-]+$/;

/**
 * Writes `DIR/NAME.gpg` and `DIR/NAME.asc` (mode 0644), each through a temporary file renamed
 * into place. NAME must use only the characters apt allows in keyring file names.
 */
export async function writePublicKeyring(dir: string, name: string, keyring: PublicKeyring): Promise<{ gpg: string; asc: string }> {
  if (!FILE_NAME.test(name)) {
    throw new KeyError(`keyring name "${name}" has characters apt does not allow in keyring file names`, { hint: 'use only A-Z a-z 0-9 _ : . -' });
  }
  await mkdir(dir, { recursive: true });
  const paths = { gpg: join(dir, `${name}.gpg`), asc: join(dir, `${name}.asc`) };
  for (const [path, data] of [[paths.gpg, keyring.binary], [paths.asc, keyring.armored]] as const) {
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, data, { mode: 0o644, flag: 'wx' });
    await chmod(tmp, 0o644); // the umask may have narrowed it
    await rename(tmp, path);
  }
  return paths;
}
