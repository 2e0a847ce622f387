// IP addresses and prefixes as half.conf writes them: IPv4 dotted quads (RFC 791 §2.3, no
// leading zeros, no shorthand) and IPv6 text (RFC 4291 §2.2, printed canonically per RFC 5952),
// with an optional `/length` (RFC 4632 §3.1). Pure: strings in, values out; invalid text gives
// undefined or a reason, never an exception.

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
  /** Canonical text (RFC 5952 for IPv6), usable as a map key. */
  readonly text: string;
}

export interface IpPrefix {
  readonly address: IpAddress;
  readonly length: number;
  /** `address/length` with the address in canonical form. */
  readonly text: string;
}

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/;

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!V4_OCTET.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  for (const group of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    groups.push(parseInt(group, 16));
  }
  return groups;
}

function parseV6(text: string): Uint8Array | undefined {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.')) {
    // RFC 4291 §2.2 form 3: the last 32 bits written as an IPv4 dotted quad.
    const v4 = parseV4(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    const high = (((v4[0] as number) << 8) | (v4[1] as number)).toString(16);
    const low = (((v4[2] as number) << 8) | (v4[3] as number)).toString(16);
    body = `${body.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] as string);
  const rest = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (head === undefined || rest === undefined) return undefined;
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

function formatV6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number));
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Parses an IPv4 or IPv6 address (no prefix, no zone index). */
export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4, text: [...v4].join('.') };
  if (!text.includes(':')) return undefined;
  const v6 = parseV6(text);
  if (v6 === undefined) return undefined;
  return { family: 6, bytes: v6, text: formatV6(v6) };
}

export type AddressResult =
  | { readonly ok: true; readonly address: IpAddress }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses an address as half.conf and the configure answers take it: an IPv4-mapped IPv6 address
 * (::ffff:0:0/96, RFC 4291 §2.5.5.2) is refused with its IPv4 form, as the kernel sends, receives
 * and filters such traffic as IPv4: rules or VIPs written with the IPv6 form would never match it.
 */
export function readIpAddress(text: string): AddressResult {
  const address = parseIpAddress(text);
  if (address === undefined) return { ok: false, reason: `"${text}" is not an IPv4 or IPv6 address` };
  const v4 = mappedIpv4(address);
  if (v4 !== undefined) return { ok: false, reason: `"${text}" is an IPv4-mapped IPv6 address; write the IPv4 address ${v4}` };
  const compatible = compatibleIpv4(address);
  if (compatible !== undefined) return { ok: false, reason: `"${text}" is an IPv4-compatible IPv6 address (deprecated, RFC 4291 §2.5.5.1); write the IPv4 address ${compatible}, or a real IPv6 address` };
  return { ok: true, address };
}

/** The IPv4 address inside ::a.b.c.d (beyond :: and ::1, which are no such address), or undefined. */
function compatibleIpv4(address: IpAddress): string | undefined {
  if (address.family !== 6) return undefined;
  for (let i = 0; i < 12; i++) if (address.bytes[i] !== 0) return undefined;
  const tail = address.bytes.subarray(12);
  if (tail[0] === 0 && tail[1] === 0 && tail[2] === 0 && (tail[3] as number) <= 1) return undefined;
  return [...tail].join('.');
}

/** The IPv4 address inside ::ffff:a.b.c.d, or undefined for any other address. */
export function mappedIpv4(address: IpAddress): string | undefined {
  if (address.family !== 6) return undefined;
  for (let i = 0; i < 10; i++) if (address.bytes[i] !== 0) return undefined;
  if (address.bytes[10] !== 0xff || address.bytes[11] !== 0xff) return undefined;
  return [...address.bytes.subarray(12)].join('.');
}

export type PrefixResult =
  | { readonly ok: true; readonly prefix: IpPrefix }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses `address/length`; without `/length` the prefix is the host route (/32 or /128) unless
 * `requireLength` is set.
 */
export function parseIpPrefix(text: string, options: { readonly requireLength?: boolean } = {}): PrefixResult {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const read = readIpAddress(addressText);
  if (!read.ok) return { ok: false, reason: mappedPrefixReason(addressText, slash < 0 ? undefined : text.slice(slash + 1)) ?? read.reason };
  const address = read.address;
  const max = address.family === 4 ? 32 : 128;
  if (slash < 0) {
    if (options.requireLength === true) return { ok: false, reason: `"${text}" has no prefix length` };
    return { ok: true, prefix: { address, length: max, text: `${address.text}/${max}` } };
  }
  const lengthText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText) || Number(lengthText) > max) {
    return { ok: false, reason: `"/${lengthText}" is not a prefix length for IPv${address.family} (0-${max})` };
  }
  const length = Number(lengthText);
  return { ok: true, prefix: { address, length, text: `${address.text}/${length}` } };
}

/**
 * For an IPv4-mapped prefix of length 96 or more (::ffff:198.51.100.0/120), the reason naming
 * the IPv4 prefix it maps to, length included (198.51.100.0/24): the address alone would give
 * a host route or a prefix the admin did not mean.
 */
function mappedPrefixReason(addressText: string, lengthText: string | undefined): string | undefined {
  const address = parseIpAddress(addressText);
  const v4 = address === undefined ? undefined : mappedIpv4(address);
  if (v4 === undefined || lengthText === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) return undefined;
  const length = Number(lengthText);
  if (length < 96 || length > 128) return undefined;
  return `"${addressText}/${lengthText}" is an IPv4-mapped IPv6 prefix; write the IPv4 prefix ${v4}/${length - 96}`;
}

/** The prefix with its host bits cleared (192.0.2.7/24 → 192.0.2.0/24). */
export function networkOf(prefix: IpPrefix): IpPrefix {
  const bytes = Uint8Array.from(prefix.address.bytes);
  for (let bit = prefix.length; bit < bytes.length * 8; bit++) {
    bytes[bit >> 3] = (bytes[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  }
  const text = prefix.address.family === 4 ? [...bytes].join('.') : formatV6(bytes);
  const address: IpAddress = { family: prefix.address.family, bytes, text };
  return { address, length: prefix.length, text: `${text}/${prefix.length}` };
}

/** Whether `address` lies inside `prefix` (false across families). */
export function prefixContains(prefix: IpPrefix, address: IpAddress): boolean {
  if (prefix.address.family !== address.family) return false;
  for (let bit = 0; bit < prefix.length; bit++) {
    const mask = 0x80 >> (bit & 7);
    if (((prefix.address.bytes[bit >> 3] as number) & mask) !== ((address.bytes[bit >> 3] as number) & mask)) return false;
  }
  return true;
}

export function isMulticast(address: IpAddress): boolean {
  const first = address.bytes[0] as number;
  return address.family === 4 ? first >= 224 && first <= 239 : first === 0xff;
}

/** IPv6 link-local (fe80::/10): bound or sent to only with a zone (an interface), which half.conf has no way to write. */
export function isLinkLocal(address: IpAddress): boolean {
  return address.family === 6 && address.bytes[0] === 0xfe && ((address.bytes[1] as number) & 0xc0) === 0x80;
}

/** Unspecified (0.0.0.0, ::), loopback, or broadcast: never a node's own or a peer's address. */
export function isSpecial(address: IpAddress): boolean {
  if (address.family === 4) {
    const first = address.bytes[0] as number;
    return first === 0 || first === 127 || address.text === '255.255.255.255';
  }
  return address.text === '::' || address.text === '::1';
}
