// OpenPGP ASCII armor (RFC 9580 §6; RFC 4880 §6 for the CRC-24 that Debian 12's GnuPG 2.2 still
// expects on v4 data). Pure: bytes in, text out, and back. Lines are 64 base64 characters, the
// armor has no headers (no `Version:`/`Comment:`), and every line ends with "\n".

export type ArmorKind = 'PGP SIGNATURE' | 'PGP PUBLIC KEY BLOCK' | 'PGP PRIVATE KEY BLOCK';

export type ArmorResult =
  | { readonly ok: true; readonly kind: string; readonly headers: readonly string[]; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: string };

const LINE = 64;
const CRC24_INIT = 0xb704ce;
const CRC24_POLY = 0x1864cfb;

/** CRC-24 of RFC 9580 §6.1 (the `=XXXX` armor checksum). */
export function crc24(data: Uint8Array): number {
  let crc = CRC24_INIT;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= CRC24_POLY;
    }
  }
  return crc & 0xffffff;
}

function checksumLine(data: Uint8Array): string {
  const crc = crc24(data);
  return '=' + Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64');
}

/** One armor block: BEGIN line, empty header section, base64 body, checksum, END line. */
export function armor(kind: ArmorKind, data: Uint8Array): string {
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const lines = [`-----BEGIN ${kind}-----`, ''];
  for (let i = 0; i < b64.length; i += LINE) lines.push(b64.slice(i, i + LINE));
  lines.push(checksumLine(data), `-----END ${kind}-----`, '');
  return lines.join('\n');
}

const BEGIN = /^-----BEGIN (PGP [A-Z ,/0-9]+)-----$/;

/** Every armor block in `text` (in order), as text; other lines are ignored. */
export function armorBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  let endLine = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[ \t\r]+$/, '');
    if (current === undefined) {
      const m = BEGIN.exec(line);
      if (m !== null) {
        current = [line];
        endLine = `-----END ${m[1]}-----`;
      }
      continue;
    }
    current.push(line);
    if (line === endLine) {
      blocks.push(current.join('\n') + '\n');
      current = undefined;
    }
  }
  return blocks;
}

/** Decodes the first armor block of `text`; checks the CRC-24 when present. Never throws. */
export function dearmor(text: string): ArmorResult {
  const lines = text.split('\n').map((l) => l.replace(/[ \t\r]+$/, ''));
  const start = lines.findIndex((l) => BEGIN.test(l));
  if (start < 0) return { ok: false, error: 'no "-----BEGIN PGP …-----" line' };
  const kind = BEGIN.exec(lines[start] ?? '')?.[1] ?? '';
  const endLine = `-----END ${kind}-----`;
  const end = lines.indexOf(endLine, start + 1);
  if (end < 0) return { ok: false, error: `no "${endLine}" line` };
  const headers: string[] = [];
  let i = start + 1;
  for (; i < end && lines[i] !== ''; i++) {
    const header = lines[i] ?? '';
    if (!/^[A-Za-z][A-Za-z0-9-]*: /.test(header)) return { ok: false, error: `malformed armor header "${header}"` };
    headers.push(header);
  }
  if (i === end) return { ok: false, error: 'armor has no empty line before its body' };
  let body = '';
  let checksum: string | undefined;
  for (i += 1; i < end; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('=') && line.length === 5) checksum = line;
    else if (checksum !== undefined) return { ok: false, error: 'armor body continues after its checksum' };
    else if (/^[A-Za-z0-9+/]*={0,2}$/.test(line)) body += line;
    else return { ok: false, error: `invalid base64 line "${line.slice(0, 20)}"` };
  }
  const bytes = new Uint8Array(Buffer.from(body, 'base64'));
  if (checksum !== undefined && checksum !== checksumLine(bytes)) return { ok: false, error: 'armor checksum (CRC-24) mismatch' };
  return { ok: true, kind, headers, bytes };
}
