// The digests Debian's indexes carry (DebianRepository/Format: MD5Sum, SHA1, SHA256, SHA512).
import { createHash } from 'node:crypto';

export interface Digests {
  readonly size: number;
  readonly md5: string;
  readonly sha1: string;
  readonly sha256: string;
  readonly sha512: string;
}

export function digestsOf(data: Uint8Array): Digests {
  return {
    size: data.byteLength,
    md5: createHash('md5').update(data).digest('hex'),
    sha1: createHash('sha1').update(data).digest('hex'),
    sha256: createHash('sha256').update(data).digest('hex'),
    sha512: createHash('sha512').update(data).digest('hex'),
  };
}

export function md5Hex(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}
