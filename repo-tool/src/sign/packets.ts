// OpenPGP packet framing (RFC 9580 §4.2: old and new format headers, partial lengths) and the
// few fields we inspect: signature version, type, algorithms, creation time and issuer
// (RFC 9580 §5.2.3 and §5.2.3.7-§5.2.3.35 subpackets), key packet version and algorithm
// (§5.5.2). Pure decoders of untrusted bytes: they return results, never throw.

export interface Packet {
  readonly tag: number;
  readonly body: Uint8Array;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export const PacketTag = { signature: 2, secretKey: 5, publicKey: 6, secretSubkey: 7, userId: 13, publicSubkey: 14 } as const;

/** RFC 9580 §9.5 hash algorithm ids. */
export const HashAlgorithm: Readonly<Record<number, string>> = {
  1: 'MD5', 2: 'SHA1', 3: 'RIPEMD160', 8: 'SHA256', 9: 'SHA384', 10: 'SHA512', 11: 'SHA224', 12: 'SHA3-256', 14: 'SHA3-512',
};

/** RFC 9580 §9.1 public-key algorithm ids. */
export const PublicKeyAlgorithm: Readonly<Record<number, string>> = {
  1: 'RSA', 2: 'RSA-E', 3: 'RSA-S', 16: 'Elgamal', 17: 'DSA', 18: 'ECDH', 19: 'ECDSA', 22: 'EdDSA',
  25: 'X25519', 26: 'X448', 27: 'Ed25519', 28: 'Ed448',
};

export interface SignatureSummary {
  readonly version: number;
  readonly signatureType: number;
  readonly publicKeyAlgorithm: number;
  readonly hashAlgorithm: number;
  /** Signature creation time (v3 field or hashed subpacket 2). */
  readonly created: Date | undefined;
  /** Uppercase hex, from the issuer fingerprint subpacket (33) when present. */
  readonly issuerFingerprint: string | undefined;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
const u32 = (b: Uint8Array, at: number): number =>
  (((b[at] ?? 0) << 24) >>> 0) + ((b[at + 1] ?? 0) << 16) + ((b[at + 2] ?? 0) << 8) + (b[at + 3] ?? 0);

/** Splits a binary packet sequence into packets. */
export function readPackets(data: Uint8Array): Result<Packet[]> {
  const packets: Packet[] = [];
  let pos = 0;
  while (pos < data.length) {
    const first = data[pos] ?? 0;
    if ((first & 0x80) === 0) return { ok: false, error: `byte ${pos}: not a packet header (0x${first.toString(16)})` };
    let tag: number;
    const chunks: Uint8Array[] = [];
    pos += 1;
    if (first & 0x40) {
      tag = first & 0x3f;
      for (;;) {
        const o = data[pos] ?? -1;
        let len: number;
        let partial = false;
        if (o < 0) return { ok: false, error: 'truncated packet length' };
        if (o < 192) { len = o; pos += 1; }
        else if (o < 224) { len = ((o - 192) << 8) + (data[pos + 1] ?? 0) + 192; pos += 2; }
        else if (o === 255) { len = u32(data, pos + 1); pos += 5; }
        else { len = 1 << (o & 0x1f); partial = true; pos += 1; }
        if (pos + len > data.length) return { ok: false, error: `tag ${tag}: body runs past the end` };
        chunks.push(data.subarray(pos, pos + len));
        pos += len;
        if (!partial) break;
      }
    } else {
      tag = (first >> 2) & 0x0f;
      const lt = first & 3;
      if (lt === 3) return { ok: false, error: 'indeterminate-length packets are not supported' };
      const size = [1, 2, 4][lt] ?? 1;
      let len = 0;
      for (let i = 0; i < size; i++) len = len * 256 + (data[pos + i] ?? 0);
      pos += size;
      if (pos + len > data.length) return { ok: false, error: `tag ${tag}: body runs past the end` };
      chunks.push(data.subarray(pos, pos + len));
      pos += len;
    }
    packets.push({ tag, body: chunks.length === 1 ? (chunks[0] as Uint8Array) : new Uint8Array(Buffer.concat(chunks)) });
  }
  return { ok: true, value: packets };
}

function readSubpackets(area: Uint8Array, out: { created?: Date; issuerFingerprint?: string }): string | undefined {
  let pos = 0;
  while (pos < area.length) {
    const o = area[pos] ?? 0;
    let len: number;
    if (o < 192) { len = o; pos += 1; }
    else if (o < 255) { len = ((o - 192) << 8) + (area[pos + 1] ?? 0) + 192; pos += 2; }
    else { len = u32(area, pos + 1); pos += 5; }
    if (len === 0 || pos + len > area.length) return 'malformed signature subpacket';
    const type = (area[pos] ?? 0) & 0x7f;
    const body = area.subarray(pos + 1, pos + len);
    if (type === 2 && body.length === 4) out.created = new Date(u32(body, 0) * 1000);
    if (type === 33 && body.length > 1) out.issuerFingerprint = hex(body.subarray(1));
    pos += len;
  }
  return undefined;
}

/** The fields of a signature packet body we check (no cryptographic verification). */
export function readSignature(body: Uint8Array): Result<SignatureSummary> {
  const version = body[0] ?? 0;
  if (version === 3) {
    if (body.length < 19) return { ok: false, error: 'truncated v3 signature' };
    const value = {
      version,
      signatureType: body[2] ?? 0,
      publicKeyAlgorithm: body[15] ?? 0,
      hashAlgorithm: body[16] ?? 0,
      created: new Date(u32(body, 3) * 1000),
      issuerFingerprint: undefined,
    };
    return { ok: true, value };
  }
  if (version !== 4 && version !== 6) return { ok: false, error: `unknown signature version ${version}` };
  const lenSize = version === 6 ? 4 : 2;
  if (body.length < 4 + lenSize) return { ok: false, error: 'truncated signature' };
  const hashedLen = version === 6 ? u32(body, 4) : ((body[4] ?? 0) << 8) + (body[5] ?? 0);
  const start = 4 + lenSize;
  if (start + hashedLen > body.length) return { ok: false, error: 'hashed subpackets run past the end' };
  const found: { created?: Date; issuerFingerprint?: string } = {};
  const error = readSubpackets(body.subarray(start, start + hashedLen), found);
  if (error !== undefined) return { ok: false, error };
  return {
    ok: true,
    value: {
      version,
      signatureType: body[1] ?? 0,
      publicKeyAlgorithm: body[2] ?? 0,
      hashAlgorithm: body[3] ?? 0,
      created: found.created,
      issuerFingerprint: found.issuerFingerprint,
    },
  };
}

/** Version, creation time and algorithm of a (public or secret) key packet body. */
export function readKeyPacket(body: Uint8Array): Result<{ version: number; created: Date; algorithm: number }> {
  const version = body[0] ?? 0;
  if (version === 3) return { ok: true, value: { version, created: new Date(u32(body, 1) * 1000), algorithm: body[7] ?? 0 } };
  if (body.length < 6) return { ok: false, error: 'truncated key packet' };
  return { ok: true, value: { version, created: new Date(u32(body, 1) * 1000), algorithm: body[5] ?? 0 } };
}
