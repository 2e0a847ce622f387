// IP addresses as canonical strings and back: entries carry readable addresses, the kernel
// carries bytes. Formatting follows RFC 5952 exactly as glibc's inet_ntop does (the `conntrack`
// tool prints with it), including the mixed notation of IPv4-mapped (::ffff:a.b.c.d) and
// IPv4-compatible (::a.b.c.d) addresses, so strings compare equal to the tool's output.
//
// Spec: RFC 4291 section 2.2 (text forms), RFC 5952 section 4 (canonical form).

export function formatIPv4(buf: Uint8Array, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

export function formatIPv6(buf: Uint8Array, at: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((buf[at + 2 * i] as number) << 8) | (buf[at + 2 * i + 1] as number));
  // Longest run of zero words (first on ties), compressed only when at least two long.
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  if (bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
    return (bestLen === 5 ? '::ffff:' : '::') + formatIPv4(buf, at + 12);
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += (words[i] as number).toString(16);
  }
  return out;
}

/** A dotted-quad IPv4 address as a 32-bit unsigned number, or undefined when malformed. */
export function parseIPv4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

/** An IPv6 address (RFC 4291 text forms, no zone index) as 16 bytes, or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  let body = text;
  let v4: number | undefined;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (lastColon < 0) return undefined;
    v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const wanted = v4 === undefined ? 8 : 6;
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const left = parseGroups(halves[0] as string);
  const right = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (left === undefined || right === undefined) return undefined;
  if (halves.length === 1 ? left.length !== wanted : left.length + right.length > wanted - 1) return undefined;
  const groups = [...left, ...new Array<number>(wanted - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4 !== undefined) {
    out[12] = v4 >>> 24;
    out[13] = (v4 >>> 16) & 0xff;
    out[14] = (v4 >>> 8) & 0xff;
    out[15] = v4 & 0xff;
  }
  return out;
}

function parseGroups(part: string): number[] | undefined {
  if (part === '') return [];
  const groups: number[] = [];
  for (const g of part.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

export interface ParsedAddress {
  readonly family: 'ipv4' | 'ipv6';
  readonly bytes: Uint8Array;
}

export function parseAddress(text: string): ParsedAddress | undefined {
  if (!text.includes(':')) {
    const v4 = parseIPv4(text);
    if (v4 === undefined) return undefined;
    return { family: 'ipv4', bytes: Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 0xff, (v4 >>> 8) & 0xff, v4 & 0xff) };
  }
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 'ipv6', bytes: v6 };
}
