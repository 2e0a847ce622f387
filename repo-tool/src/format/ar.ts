// The ar container of a .deb, written and read as deb(5) describes it: the global header
// `!<arch>\n`, then per member a 60-byte header (name 16, mtime 12, uid 6, gid 6, mode 8,
// size 10, each left-aligned and space-padded, then "`\n"), the data, and one "\n" after a
// member of odd size. Names are written without GNU ar's trailing '/', as dpkg-deb does.
// Pure: bytes in, bytes out.
import { PackageFormatError } from '../model/errors.js';

export const AR_MAGIC = '!<arch>\n';
const HEADER_SIZE = 60;
const FMAG = '`\n';

export interface ArMember {
  readonly name: string;
  readonly data: Uint8Array;
  /** Seconds since the epoch; written as given (callers pass SOURCE_DATE_EPOCH). */
  readonly mtime: number;
  /** Octal permission and type bits; default 0o100644. */
  readonly mode?: number;
}

/** Where a member's data lies in the archive (read side; no copy). */
export interface ArEntry {
  readonly name: string;
  readonly mtime: number;
  readonly mode: number;
  readonly offset: number;
  readonly data: Uint8Array;
}

const ascii = new TextEncoder();

function field(value: string, width: number, what: string): string {
  if (value.length > width) throw new RangeError(`ar ${what} "${value}" does not fit in ${width} bytes`);
  return value.padEnd(width, ' ');
}

/** One 60-byte member header. */
export function arHeader(member: Omit<ArMember, 'data'>, size: number): Uint8Array {
  if (!/^[\x21-\x7e]{1,15}$/.test(member.name) || member.name.includes('/')) {
    throw new RangeError(`ar member name "${member.name}" must be 1-15 printable ASCII characters without '/'`);
  }
  const text =
    field(member.name, 16, 'name') +
    field(String(member.mtime), 12, 'mtime') +
    field('0', 6, 'uid') +
    field('0', 6, 'gid') +
    field((member.mode ?? 0o100644).toString(8), 8, 'mode') +
    field(String(size), 10, 'size') +
    FMAG;
  return ascii.encode(text);
}

/** The whole archive. */
export function writeAr(members: readonly ArMember[]): Uint8Array {
  let total = AR_MAGIC.length;
  for (const m of members) total += HEADER_SIZE + m.data.byteLength + (m.data.byteLength % 2);
  const out = new Uint8Array(total);
  out.set(ascii.encode(AR_MAGIC), 0);
  let at = AR_MAGIC.length;
  for (const m of members) {
    out.set(arHeader(m, m.data.byteLength), at);
    at += HEADER_SIZE;
    out.set(m.data, at);
    at += m.data.byteLength;
    if (m.data.byteLength % 2 === 1) out[at++] = 0x0a;
  }
  return out;
}

const latin1 = new TextDecoder('latin1');

function parseDecimal(text: string, base: number): number | undefined {
  const trimmed = text.replace(/ +$/, '');
  const digits = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  return digits.test(trimmed) ? Number.parseInt(trimmed, base) : undefined;
}

/**
 * Splits an ar archive into members (views into `bytes`). Throws PackageFormatError naming
 * `source`, the member and the offset on bad magic, bad headers or truncation.
 */
export function readAr(bytes: Uint8Array, source: string): ArEntry[] {
  const fail = (what: string): never => {
    throw new PackageFormatError(`${source}: ${what}`, { hint: 'the file is not a valid .deb (ar archive, deb(5)); rebuild or download it again' });
  };
  if (bytes.byteLength < AR_MAGIC.length || latin1.decode(bytes.subarray(0, AR_MAGIC.length)) !== AR_MAGIC) {
    fail('bad ar magic (expected "!<arch>\\n" at the start)');
  }
  const entries: ArEntry[] = [];
  let at = AR_MAGIC.length;
  while (at < bytes.byteLength) {
    if (at + HEADER_SIZE > bytes.byteLength) fail(`truncated ar member header at offset ${at}`);
    const header = latin1.decode(bytes.subarray(at, at + HEADER_SIZE));
    if (header.slice(58, 60) !== FMAG) fail(`corrupt ar member header at offset ${at} (bad terminator)`);
    const name = header.slice(0, 16).replace(/ +$/, '').replace(/\/$/, '');
    if (!/^[\x21-\x7e]+$/.test(name)) fail(`corrupt ar member name at offset ${at}`);
    const mtime = parseDecimal(header.slice(16, 28), 10);
    const mode = parseDecimal(header.slice(40, 48), 8);
    const size = parseDecimal(header.slice(48, 58), 10);
    if (mtime === undefined || mode === undefined || size === undefined) {
      fail(`corrupt ar header of member "${name}" at offset ${at} (mtime, mode or size is not a number)`);
    }
    const start = at + HEADER_SIZE;
    const end = start + (size as number);
    if (end > bytes.byteLength) fail(`member "${name}" is truncated (needs ${size} bytes at offset ${start}, file has ${bytes.byteLength})`);
    entries.push({ name, mtime: mtime as number, mode: mode as number, offset: start, data: bytes.subarray(start, end) });
    at = end;
    if ((size as number) % 2 === 1) {
      if (at >= bytes.byteLength) fail(`member "${name}" has odd size and lacks its padding byte`);
      at += 1;
    }
  }
  return entries;
}
