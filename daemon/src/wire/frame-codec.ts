// Frames as a whole: seal a message into datagram bytes, and turn any received bytes into either
// an authentic, decoded message or the reason to drop it. The decoder never throws. Checks run
// cheapest first: size and magic, version, cluster id, the budget of new node ids, then
// authentication, then the body.
// Stateful checks (boot epoch, replay window, source address) are the sync layer's.
import { sealFrame, openFrame } from './aead.js';
import type { DropReason } from './drop-reason.js';
import type { FrameHeader } from './frame-header.js';
import { FRAME_OVERHEAD, WIRE_VERSION, hasMagic, readHeader } from './frame-header.js';
import type { FrameKeys } from './keys.js';
import type { Message } from './messages.js';
import { decodeMessage, encodeMessage } from './message-codec.js';

export type OpenedFrame =
  | { readonly ok: true; readonly header: FrameHeader; readonly body: Buffer }
  | { readonly ok: false; readonly reason: DropReason };

export type DecodedFrame =
  | { readonly ok: true; readonly header: FrameHeader; readonly message: Message }
  | { readonly ok: false; readonly reason: DropReason };

/** Seals an already-encoded body (message-codec.ts / DataBodyBuilder) for `header.nodeId`. */
export function sealBody(keys: FrameKeys, header: FrameHeader, body: Uint8Array): Buffer {
  const frame = sealFrame(keys.forNode(header.nodeId), header, body);
  keys.proved(header.nodeId);
  return frame;
}

export function encodeFrame(keys: FrameKeys, header: FrameHeader, message: Message): Buffer {
  return sealBody(keys, header, encodeMessage(message));
}

/** Checks and decrypts a frame, leaving the body undecoded. */
export function openBody(keys: FrameKeys, bytes: Uint8Array): OpenedFrame {
  const frame = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (frame.length < 3 || !hasMagic(frame)) return { ok: false, reason: 'malformed' };
  if (frame[2] !== WIRE_VERSION) return { ok: false, reason: 'badVersion' };
  if (frame.length < FRAME_OVERHEAD + 1) return { ok: false, reason: 'malformed' };
  const header = readHeader(frame);
  if (header.clusterId !== keys.clusterId) return { ok: false, reason: 'foreignCluster' };
  const key = keys.toOpen(header.nodeId);
  if (key === undefined) return { ok: false, reason: 'peerLimit' };
  const body = openFrame(key, frame);
  if (body === undefined) return { ok: false, reason: 'forged' };
  keys.proved(header.nodeId);
  return { ok: true, header, body };
}

export function decodeFrame(keys: FrameKeys, bytes: Uint8Array): DecodedFrame {
  const opened = openBody(keys, bytes);
  if (!opened.ok) return opened;
  const message = decodeMessage(opened.body);
  if (message === undefined) return { ok: false, reason: 'malformed' };
  return { ok: true, header: opened.header, message };
}
