// ASCII armor: CRC-24 check values, golden output, and agreement with gpg's own armor code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armor, armorBlocks, crc24, dearmor } from '../../../repo-tool/src/sign/armor.js';
import { expectGolden } from './helpers/golden.js';
import { gpgHome, type GpgHome } from './helpers/gpg-home.js';

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);

let gpg: GpgHome;
beforeAll(async () => {
  gpg = await gpgHome();
});
afterAll(() => gpg.close());

describe('crc24', () => {
  it('has the CRC-24/OpenPGP check values', () => {
    expect(crc24(new Uint8Array())).toBe(0xb704ce);
    expect(crc24(new TextEncoder().encode('123456789'))).toBe(0x21cf02);
  });
});

describe('armor', () => {
  it('writes 64-column base64 with a checksum and no headers (golden)', async () => {
    const text = armor('PGP SIGNATURE', bytes(100));
    expect(text.split('\n').every((l) => l.length <= 64)).toBe(true);
    await expectGolden('signature.asc', text);
  });

  it('round-trips every length through dearmor', () => {
    for (const n of [0, 1, 2, 3, 47, 48, 49, 95, 96, 97, 500]) {
      const decoded = dearmor(armor('PGP PUBLIC KEY BLOCK', bytes(n)));
      expect(decoded.ok && decoded.kind).toBe('PGP PUBLIC KEY BLOCK');
      expect(decoded.ok && Buffer.from(decoded.bytes)).toEqual(Buffer.from(bytes(n)));
    }
  });

  it('is read by gpg --dearmor, and reads gpg --enarmor output (with its Comment header)', () => {
    const data = bytes(333);
    expect(gpg.gpgBytes(['--dearmor'], armor('PGP SIGNATURE', data))).toEqual(Buffer.from(data));
    const theirs = gpg.gpg(['--enarmor'], data).stdout;
    const decoded = dearmor(theirs);
    expect(decoded.ok && decoded.kind).toBe('PGP ARMORED FILE');
    expect(decoded.ok && decoded.headers.some((h) => h.startsWith('Comment: '))).toBe(true);
    expect(decoded.ok && Buffer.from(decoded.bytes)).toEqual(Buffer.from(data));
  });

  it('reports a corrupted checksum, a missing END line and bad base64 instead of throwing', () => {
    const good = armor('PGP SIGNATURE', bytes(30));
    const lines = good.split('\n');
    lines[2] = (lines[2] ?? '').replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect(dearmor(lines.join('\n'))).toEqual({ ok: false, error: 'armor checksum (CRC-24) mismatch' });
    expect(dearmor(good.replace('-----END PGP SIGNATURE-----', ''))).toEqual({ ok: false, error: 'no "-----END PGP SIGNATURE-----" line' });
    expect(dearmor(good.replace(/\n\n/, '\n\n%%%\n')).ok).toBe(false);
    expect(dearmor('plain text').ok).toBe(false);
  });
});

describe('armorBlocks', () => {
  it('splits concatenated blocks and ignores text around them', () => {
    const a = armor('PGP PRIVATE KEY BLOCK', bytes(10));
    const b = armor('PGP PUBLIC KEY BLOCK', bytes(20));
    expect(armorBlocks(`preamble\n${a}between\r\n${b.replace(/\n/g, '\r\n')}trailer`)).toEqual([a, b]);
  });
});
