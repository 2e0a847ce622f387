// The Cleartext Signature Framework (RFC 9580 §7; RFC 4880 §7) as InRelease uses it, with the
// stricter reading apt applies (apt-pkg/contrib/gpgv.cc SplitClearSignedFile: only `Hash:`
// armor headers, no undashed line starting with '-', nothing but signature blocks after the
// text). Pure: text in, text out.
import { armor } from './armor.js';
import type { Result } from './packets.js';

export const SIGNED_MESSAGE_BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const SIGNATURE_BEGIN = '-----BEGIN PGP SIGNATURE-----';
const SIGNATURE_END = '-----END PGP SIGNATURE-----';

/**
 * The text a cleartext signature covers (RFC 9580 §7.2): LF line endings, trailing spaces and
 * tabs removed from each line, and the line ending before the signature armor excluded, so
 * `"A: 1\n"` and `"A: 1"` both sign `"A: 1"`.
 */
export function cleartextSignedText(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.replace(/[ \t]+$/, '')).join('\n');
}

/** Dash-escapes (RFC 9580 §7.2) every line of `signedText` that starts with '-'. */
export function dashEscape(signedText: string): string {
  return signedText
    .split('\n')
    .map((l) => (l.startsWith('-') ? `- ${l}` : l))
    .join('\n');
}

export interface CleartextParts {
  /** What `cleartextSignedText` returned for the message. */
  readonly signedText: string;
  /** Names for the `Hash:` header, e.g. `["SHA512"]`. */
  readonly hashNames: readonly string[];
  /** The signature packets (one per key), binary. */
  readonly signatures: Uint8Array;
}

/** The InRelease text: header, one `Hash:` header, escaped text, one signature armor block. */
export function formatCleartextSigned(parts: CleartextParts): string {
  return [
    SIGNED_MESSAGE_BEGIN,
    `Hash: ${parts.hashNames.join(',')}`,
    '',
    dashEscape(parts.signedText),
    armor('PGP SIGNATURE', parts.signatures),
  ].join('\n');
}

export interface ReadCleartext {
  readonly hashHeaders: readonly string[];
  /** The signed text with dash-escapes removed (no final line ending, as apt extracts it). */
  readonly text: string;
  /** The signature armor block(s), as text, each ending with "\n". */
  readonly signatureArmor: string;
}

/** Splits a cleartext-signed message the way apt does before handing it to sqv. Never throws. */
export function readCleartextSigned(input: string): Result<ReadCleartext> {
  const lines = input.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== SIGNED_MESSAGE_BEGIN) return { ok: false, error: `does not start with "${SIGNED_MESSAGE_BEGIN}"` };
  const hashHeaders: string[] = [];
  let i = 1;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('-')) return { ok: false, error: `armor header line starts with a dash: "${line}"` };
    if (!line.startsWith('Hash: ')) return { ok: false, error: `unexpected armor header "${line}" (only Hash: is allowed)` };
    hashHeaders.push(line);
  }
  if (i >= lines.length) return { ok: false, error: 'no empty line after the armor headers' };
  const text: string[] = [];
  for (i += 1; i < lines.length && lines[i] !== SIGNATURE_BEGIN; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('- ')) text.push(line.slice(2));
    else if (line.startsWith('-')) return { ok: false, error: `line ${i + 1} starts with a dash but is not dash-escaped: "${line}"` };
    else text.push(line);
  }
  if (i >= lines.length) return { ok: false, error: `no "${SIGNATURE_BEGIN}" line` };
  const signature: string[] = [];
  let open = false;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!open && line !== SIGNATURE_BEGIN) return { ok: false, error: `unsigned line ${i + 1} after the signature: "${line}"` };
    if (open && line.startsWith('-') && line !== SIGNATURE_END) return { ok: false, error: `unexpected dash line in the signature: "${line}"` };
    open = line === SIGNATURE_BEGIN ? true : line === SIGNATURE_END ? false : open;
    signature.push(line);
  }
  if (open) return { ok: false, error: `signature is not closed by "${SIGNATURE_END}"` };
  return { ok: true, value: { hashHeaders, text: text.join('\n'), signatureArmor: signature.join('\n') + '\n' } };
}
