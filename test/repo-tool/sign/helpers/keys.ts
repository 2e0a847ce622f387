// Keys for the tests, made with our own keygen (nothing private is checked in).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSigningKey, type GeneratedSigningKey, type SigningKeyType } from '../../../../repo-tool/src/sign/key-generate.js';

export const KEY_DATE = new Date('2024-01-01T00:00:00Z');
export const SIGN_DATE = new Date('2024-06-01T12:00:00Z');

export function testKey(label: string, type: SigningKeyType = 'ed25519', passphrase?: string): Promise<GeneratedSigningKey> {
  return generateSigningKey({ name: `HALF test key ${label}`, email: `${label}@example.org`, date: KEY_DATE, type, ...(passphrase ? { passphrase } : {}) });
}

/** Writes LABEL.key.asc (private), LABEL.gpg and LABEL.asc (public) into dir. */
export async function writeKey(dir: string, label: string, key: GeneratedSigningKey): Promise<{ secret: string; gpg: string; asc: string }> {
  const paths = { secret: join(dir, `${label}.key.asc`), gpg: join(dir, `${label}.gpg`), asc: join(dir, `${label}.asc`) };
  await writeFile(paths.secret, key.privateArmored, { mode: 0o600 });
  await writeFile(paths.gpg, key.publicBinary);
  await writeFile(paths.asc, key.publicArmored);
  return paths;
}
