// tar archives as dpkg-deb writes them: GNU format (POSIX.1-1988 ustar layout with the GNU magic
// "ustar  \0"), 512-byte blocks, names longer than 100 bytes in a preceding `././@LongLink`
// record (typeflag 'L' for names, 'K' for link targets), two zero blocks at the end and the
// whole padded to a 10240-byte record. References: GNU tar manual, "Standard" (tar.h);
// deb(5); dpkg's lib/dpkg/tarfn.c, which reads GNU long names and ustar prefixes but rejects
// pax headers ("unsupported PAX tar header type 'x'"), so pax is never written here.
// Pure: entries in, bytes out. Owner is always root/root (0/0).

export type TarEntry =
  | { readonly type: 'directory'; readonly name: string; readonly mode: number; readonly mtime: number }
  | { readonly type: 'file'; readonly name: string; readonly mode: number; readonly mtime: number; readonly data: Uint8Array }
  | { readonly type: 'symlink'; readonly name: string; readonly mode: number; readonly mtime: number; readonly target: string };

const BLOCK = 512;
const RECORD = 10_240;
const utf8 = new TextEncoder();
const GNU_MAGIC = utf8.encode('ustar  \0');
const ROOT = utf8.encode('root');
const LONG_LINK = utf8.encode('././@LongLink');
const TYPEFLAG = { file: 0x30, symlink: 0x32, directory: 0x35 } as const;

function octal(value: number, width: number): Uint8Array {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new RangeError(`tar numeric field overflow: ${value} needs more than ${width - 1} octal digits`);
  return utf8.encode(digits.padStart(width - 1, '0') + '\0');
}

/** Size field: octal when it fits in 11 digits, else GNU base-256 (first byte 0x80). */
function sizeField(size: number): Uint8Array {
  if (size < 8 ** 11) return octal(size, 12);
  const out = new Uint8Array(12);
  out[0] = 0x80;
  let rest = size;
  for (let i = 11; i > 0; i--) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return out;
}

function header(name: Uint8Array, mode: number, size: number, mtime: number, typeflag: number, link: Uint8Array): Uint8Array {
  const h = new Uint8Array(BLOCK);
  h.set(name.subarray(0, 100), 0);
  h.set(octal(mode, 8), 100);
  h.set(octal(0, 8), 108);
  h.set(octal(0, 8), 116);
  h.set(sizeField(size), 124);
  h.set(octal(mtime, 12), 136);
  h[156] = typeflag;
  h.set(link.subarray(0, 100), 157);
  h.set(GNU_MAGIC, 257);
  h.set(ROOT, 265);
  h.set(ROOT, 297);
  let sum = 8 * 0x20; // the checksum field itself counts as eight spaces
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += h[i] as number;
  h.set(utf8.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return h;
}

function blocks(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** The `././@LongLink` record carrying a name or link target over 100 bytes (NUL-terminated). */
function longLink(value: Uint8Array, typeflag: 0x4c | 0x4b): Uint8Array[] {
  const data = new Uint8Array(blocks(value.byteLength + 1));
  data.set(value, 0);
  return [header(LONG_LINK, 0o644, value.byteLength + 1, 0, typeflag, new Uint8Array(0)), data];
}

function entryName(entry: TarEntry): string {
  return entry.type === 'directory' && !entry.name.endsWith('/') ? entry.name + '/' : entry.name;
}

/** The blocks of one entry: optional long-name records, the header, the data padded to 512. */
export function encodeTarEntry(entry: TarEntry): Uint8Array[] {
  if (!Number.isInteger(entry.mtime) || entry.mtime < 0) throw new RangeError(`tar entry "${entry.name}": mtime ${entry.mtime} is not a non-negative integer`);
  const name = utf8.encode(entryName(entry));
  const link = entry.type === 'symlink' ? utf8.encode(entry.target) : new Uint8Array(0);
  const size = entry.type === 'file' ? entry.data.byteLength : 0;
  const parts: Uint8Array[] = [];
  if (link.byteLength > 100) parts.push(...longLink(link, 0x4b));
  if (name.byteLength > 100) parts.push(...longLink(name, 0x4c));
  parts.push(header(name, entry.mode & 0o7777, size, entry.mtime, TYPEFLAG[entry.type], link));
  if (entry.type === 'file' && size > 0) {
    parts.push(entry.data);
    if (size % BLOCK !== 0) parts.push(new Uint8Array(BLOCK - (size % BLOCK)));
  }
  return parts;
}

/** A whole archive, entries in the order given, ended and padded like GNU tar's default record. */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const entry of entries) {
    for (const part of encodeTarEntry(entry)) {
      parts.push(part);
      length += part.byteLength;
    }
  }
  const total = Math.max(RECORD, Math.ceil((length + 2 * BLOCK) / RECORD) * RECORD);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
