// The top-level attributes of a record payload (record-mapping.ts: a 4-byte header, then
// ctnetlink attributes), for tests that look at what a record carries or alter it.

export interface PayloadAttr {
  /** Attribute type, without the nested and byte-order flags. */
  readonly type: number;
  /** Offset of the attribute's header in the payload. */
  readonly at: number;
}

export function payloadAttrs(payload: Buffer): PayloadAttr[] {
  const attrs: PayloadAttr[] = [];
  for (let at = 4; at + 4 <= payload.length; at += (payload.readUInt16LE(at) + 3) & ~3) attrs.push({ type: payload.readUInt16LE(at + 2) & 0x3fff, at });
  return attrs;
}
