// generateSigningKey: what gpg (a throwaway home) sees in the keys we make.
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../../repo-tool/src/model/errors.js';
import { dearmor } from '../../../repo-tool/src/sign/armor.js';
import { generateSigningKey } from '../../../repo-tool/src/sign/key-generate.js';
import { OPENPGP_CONFIG } from '../../../repo-tool/src/sign/openpgp-config.js';
import { PacketTag, readKeyPacket, readPackets, readSignature } from '../../../repo-tool/src/sign/packets.js';
import { keyringFormat } from '../../../repo-tool/src/sign/public-keyring.js';
import { gpgHome, type GpgHome } from './helpers/gpg-home.js';
import { KEY_DATE } from './helpers/keys.js';

let gpg: GpgHome;
beforeAll(async () => {
  gpg = await gpgHome();
});
afterAll(() => gpg.close());

/** `pub:` line fields of gpg --with-colons: [validity, length, algorithm, keyid, created, expires, …, capabilities]. */
function colonRecord(listing: string, type: string): string[] {
  const line = listing.split('\n').find((l) => l.startsWith(`${type}:`));
  if (line === undefined) throw new Error(`no ${type}: line in\n${listing}`);
  return line.split(':');
}

describe('generateSigningKey', () => {
  it.each([
    ['ed25519', 22, '255', '22'],
    ['rsa4096', 1, '4096', '1'],
  ] as const)('makes a v4 %s signing key that gpg imports with the same fingerprint', async (type, algorithm, bits, gpgAlgo) => {
    const key = await generateSigningKey({ name: 'HALF archive', email: 'archive@example.org', date: KEY_DATE, type });
    expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(openpgp.config.v6Keys).toBe(false);
    expect(OPENPGP_CONFIG.v6Keys).toBe(false);

    // The binary key is a one-key OpenPGP keyring: primary key, user ID, self-signature; no subkeys.
    expect(keyringFormat(key.publicBinary)).toBe('openpgp');
    const packets = readPackets(key.publicBinary);
    if (!packets.ok) throw new Error(packets.error);
    expect(packets.value.map((p) => p.tag)).toEqual([PacketTag.publicKey, PacketTag.userId, PacketTag.signature]);
    const primary = readKeyPacket(packets.value[0]?.body ?? new Uint8Array());
    expect(primary.ok && primary.value).toEqual({ version: 4, created: KEY_DATE, algorithm });
    const selfSig = readSignature(packets.value[2]?.body ?? new Uint8Array());
    expect(selfSig.ok && selfSig.value.hashAlgorithm).toBe(10); // SHA-512, not SHA-1
    expect(selfSig.ok && selfSig.value.signatureType).toBe(0x13); // positive certification

    // The armored public key is the same bytes.
    const armored = dearmor(key.publicArmored);
    expect(armored.ok && Buffer.from(armored.bytes)).toEqual(Buffer.from(key.publicBinary));

    const imported = gpg.gpg(['--import'], key.publicArmored);
    expect(imported.code, imported.stderr).toBe(0);
    const listing = gpg.gpg(['--with-colons', '--fixed-list-mode', '--list-keys', key.fingerprint]).stdout;
    const pub = colonRecord(listing, 'pub');
    expect(pub[2]).toBe(bits);
    expect(pub[3]).toBe(gpgAlgo);
    expect(pub[5]).toBe(String(KEY_DATE.getTime() / 1000));
    expect(pub[11]).toContain('s'); // can sign
    expect(colonRecord(listing, 'fpr')[9]).toBe(key.fingerprint);
    expect(colonRecord(listing, 'uid')[9]).toBe('HALF archive <archive@example.org>');
    expect(listing).not.toMatch(/^sub:/m);
  });

  it('keeps the private key out of the public exports and protects it with a passphrase when asked', async () => {
    const key = await generateSigningKey({ name: 'HALF archive', email: 'archive@example.org', date: KEY_DATE, passphrase: 'pw' });
    expect(key.publicArmored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n/);
    expect(key.privateArmored).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n/);
    const pub = readPackets(key.publicBinary);
    expect(pub.ok && pub.value.some((p) => p.tag === PacketTag.secretKey)).toBe(false);
    const priv = await openpgp.readPrivateKey({ armoredKey: key.privateArmored });
    expect(priv.isDecrypted()).toBe(false);
    expect(priv.getFingerprint().toUpperCase()).toBe(key.fingerprint);
    const shown = gpg.gpg(['--list-packets'], key.privateArmored).stdout;
    expect(shown).toMatch(/secret key packet/);
    expect(shown).toMatch(/protected/);
  });

  it('refuses an empty name and a malformed e-mail address', async () => {
    await expect(generateSigningKey({ name: ' ', email: 'a@example.org', date: KEY_DATE })).rejects.toThrow(KeyError);
    await expect(generateSigningKey({ name: 'HALF', email: 'not an address', date: KEY_DATE })).rejects.toThrow(/"not an address" is not an e-mail address/);
  });
});
