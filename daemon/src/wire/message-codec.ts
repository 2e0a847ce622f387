// Bodies of every message type (the plaintext inside a frame). Layouts, after the u8 type:
//   data         stream entries (data-body.ts)
//   ack          u32 target, u32 target epoch, u32 up-to sequence
//   nack         u32 target, u32 target epoch, u8 count (1..64), count x (u32 from, u32 to)
//   alive        u8 role (0 receiver, 1 sender)
//   hello        u8 role
//   syncRequest  u32 target, u32 target epoch, scope (scope-codec.ts)
//   join         u32 target, u32 target epoch, u32 start sequence
//   skip         u32 target, u32 target epoch, u32 next sequence
// Decoding is strict: unknown types, short input and trailing bytes are malformed.
import type { RecordPacking } from '../model/record-packing.js';
import type { Message, Role } from './messages.js';
import { MAX_NACK_RANGES, MessageType } from './messages.js';
import { DataBodyBuilder, entryBytes, readEntries } from './data-body.js';
import { Reader } from './reader.js';
import { readScope, scopeBytes, writeScope } from './scope-codec.js';

export function encodeMessage(message: Message): Buffer {
  if (message.type === 'data') {
    const size = 1 + message.entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
    const builder = new DataBodyBuilder(size);
    for (const entry of message.entries) builder.tryAdd(entry);
    return builder.take();
  }
  if (message.type === 'alive' || message.type === 'hello') {
    return Buffer.from([MessageType[message.type], message.role === 'sender' ? 1 : 0]);
  }
  const extra =
    message.type === 'nack' ? 1 + 8 * message.ranges.length : message.type === 'syncRequest' ? scopeBytes(message.scope) : 4;
  const body = Buffer.alloc(9 + extra);
  let at = body.writeUInt8(MessageType[message.type], 0);
  at = body.writeUInt32BE(message.target >>> 0, at);
  at = body.writeUInt32BE(message.targetEpoch >>> 0, at);
  switch (message.type) {
    case 'ack':
      body.writeUInt32BE(message.upTo >>> 0, at);
      break;
    case 'join':
      body.writeUInt32BE(message.start >>> 0, at);
      break;
    case 'skip':
      body.writeUInt32BE(message.to >>> 0, at);
      break;
    case 'nack':
      at = body.writeUInt8(message.ranges.length, at);
      for (const range of message.ranges) {
        at = body.writeUInt32BE(range.from >>> 0, at);
        at = body.writeUInt32BE(range.to >>> 0, at);
      }
      break;
    case 'syncRequest':
      writeScope(body, at, message.scope);
      break;
  }
  return body;
}

/** The message in a decrypted body, or undefined when the body is malformed (packed sets: read with `packing`). */
export function decodeMessage(body: Buffer, packing?: RecordPacking): Message | undefined {
  const reader = new Reader(body);
  const message = readMessage(reader, packing);
  return message !== undefined && reader.remaining === 0 ? message : undefined;
}

/** The type byte of a body, without decoding the rest. */
export function messageTypeOf(body: Buffer): number | undefined {
  return body[0];
}

function readMessage(reader: Reader, packing: RecordPacking | undefined): Message | undefined {
  const type = reader.u8();
  switch (type) {
    case MessageType.data: {
      const entries = readEntries(reader, packing);
      return entries === undefined ? undefined : { type: 'data', entries };
    }
    case MessageType.alive:
    case MessageType.hello: {
      const role = readRole(reader);
      if (role === undefined) return undefined;
      return type === MessageType.alive ? { type: 'alive', role } : { type: 'hello', role };
    }
  }
  const target = reader.u32();
  const targetEpoch = reader.u32();
  if (target === undefined || targetEpoch === undefined) return undefined;
  switch (type) {
    case MessageType.ack:
    case MessageType.join:
    case MessageType.skip: {
      const value = reader.u32();
      if (value === undefined) return undefined;
      if (type === MessageType.ack) return { type: 'ack', target, targetEpoch, upTo: value };
      if (type === MessageType.join) return { type: 'join', target, targetEpoch, start: value };
      return { type: 'skip', target, targetEpoch, to: value };
    }
    case MessageType.nack: {
      const count = reader.u8();
      if (count === undefined || count === 0 || count > MAX_NACK_RANGES) return undefined;
      const ranges: { from: number; to: number }[] = [];
      for (let i = 0; i < count; i++) {
        const from = reader.u32();
        const to = reader.u32();
        if (from === undefined || to === undefined) return undefined;
        ranges.push({ from, to });
      }
      return { type: 'nack', target, targetEpoch, ranges };
    }
    case MessageType.syncRequest: {
      const scope = readScope(reader);
      return scope === undefined ? undefined : { type: 'syncRequest', target, targetEpoch, scope };
    }
    default:
      return undefined;
  }
}

function readRole(reader: Reader): Role | undefined {
  const value = reader.u8();
  return value === 1 ? 'sender' : value === 0 ? 'receiver' : undefined;
}
