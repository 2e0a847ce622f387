// Packet framing and signature fields, read from what gpg writes (old-format headers, partial
// body lengths) and from what OpenPGP.js writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashAlgorithm, PacketTag, PublicKeyAlgorithm, readKeyPacket, readPackets, readSignature } from '../../../repo-tool/src/sign/packets.js';
import { gpgHome, type GpgHome } from './helpers/gpg-home.js';
import { KEY_DATE } from './helpers/keys.js';

let gpg: GpgHome;
let fingerprint: string;
beforeAll(async () => {
  gpg = await gpgHome();
  fingerprint = gpg.generate('HALF packets <packets@example.org>', 'rsa3072', 'sign').fingerprint;
});
afterAll(() => gpg.close());

describe('readPackets', () => {
  it('reads a gpg export (old-format headers) into key, user ID and signature packets', () => {
    const exported = gpg.gpgBytes(['--export', fingerprint]);
    expect(exported[0]).toBe(0x99); // old format, tag 6, two-octet length
    const packets = readPackets(exported);
    if (!packets.ok) throw new Error(packets.error);
    expect(packets.value.map((p) => p.tag)).toEqual([PacketTag.publicKey, PacketTag.userId, PacketTag.signature]);
    expect(Buffer.from(packets.value[1]?.body ?? []).toString()).toBe('HALF packets <packets@example.org>');
    const key = readKeyPacket(packets.value[0]?.body ?? new Uint8Array());
    expect(key.ok && key.value).toEqual({ version: 4, created: KEY_DATE, algorithm: 1 });
  });

  it('joins partial body lengths (gpg --store of a stream)', () => {
    const data = Buffer.alloc(100_000, 0x61);
    const stored = gpg.gpgBytes(['-z', '0', '--store'], data);
    expect(stored[1]).toBeGreaterThanOrEqual(224); // a partial length octet
    const packets = readPackets(stored);
    if (!packets.ok) throw new Error(packets.error);
    expect(packets.value).toHaveLength(1);
    const literal = packets.value[0];
    expect(literal?.tag).toBe(11);
    expect(Buffer.from(literal?.body ?? []).subarray(-data.length)).toEqual(data);
  });

  it('reports malformed input instead of throwing', () => {
    expect(readPackets(new Uint8Array([0x41]))).toEqual({ ok: false, error: 'byte 0: not a packet header (0x41)' });
    expect(readPackets(new Uint8Array([0xc2, 0x05, 0x04])).ok).toBe(false);
    expect(readPackets(new Uint8Array([0x88, 0x05, 0x04])).ok).toBe(false);
    expect(readSignature(new Uint8Array([5, 0, 0])).ok).toBe(false);
    expect(readSignature(new Uint8Array([4, 0, 1, 10, 0xff, 0xff])).ok).toBe(false);
  });
});

describe('readSignature', () => {
  it('reads type, algorithms, creation time and issuer of a gpg signature', () => {
    const sig = gpg.gpgBytes([...gpg.atKeyDate, '--digest-algo', 'SHA256', '--detach-sign'], 'data');
    const packets = readPackets(sig);
    if (!packets.ok) throw new Error(packets.error);
    const summary = readSignature(packets.value[0]?.body ?? new Uint8Array());
    expect(summary.ok && summary.value).toEqual({
      version: 4,
      signatureType: 0,
      publicKeyAlgorithm: 1,
      hashAlgorithm: 8,
      created: KEY_DATE,
      issuerFingerprint: fingerprint,
    });
    expect(HashAlgorithm[8]).toBe('SHA256');
    expect(PublicKeyAlgorithm[22]).toBe('EdDSA');
  });
});
