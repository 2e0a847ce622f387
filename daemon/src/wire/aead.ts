// Authenticated encryption of frames: AES-256-GCM (NIST SP 800-38D) from node:crypto, with the
// frame header as associated data (RFC 5116 §3) and the 96-bit nonce taken from the header
// (frame-header.ts). Pure: the caller supplies key and header, so the same inputs give the same
// bytes (golden tests rely on it).
import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import type { FrameHeader } from './frame-header.js';
import { HEADER_BYTES, TAG_BYTES, nonceOf, writeHeader } from './frame-header.js';

const ALGORITHM = 'aes-256-gcm';

/** Header + encrypted body + tag. */
export function sealFrame(key: Buffer | KeyObject, header: FrameHeader, body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.byteLength + TAG_BYTES);
  writeHeader(frame, header);
  const aad = frame.subarray(0, HEADER_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonceOf(aad), { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const encrypted = cipher.update(body);
  encrypted.copy(frame, HEADER_BYTES);
  const rest = cipher.final();
  rest.copy(frame, HEADER_BYTES + encrypted.length);
  cipher.getAuthTag().copy(frame, HEADER_BYTES + body.byteLength);
  return frame;
}

/**
 * The decrypted body of an authentic frame, or undefined when the tag does not verify (forged,
 * corrupted, or sealed with another key). Never throws for any input of at least
 * HEADER_BYTES + TAG_BYTES bytes.
 */
export function openFrame(key: Buffer | KeyObject, frame: Buffer): Buffer | undefined {
  if (frame.length < HEADER_BYTES + TAG_BYTES) return undefined;
  const aad = frame.subarray(0, HEADER_BYTES);
  const tagStart = frame.length - TAG_BYTES;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonceOf(aad), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(frame.subarray(tagStart));
    const body = decipher.update(frame.subarray(HEADER_BYTES, tagStart));
    const rest = decipher.final();
    return rest.length === 0 ? body : Buffer.concat([body, rest]);
  } catch {
    return undefined;
  }
}
