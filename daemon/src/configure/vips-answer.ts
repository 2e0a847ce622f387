// The `vips` answer: every interface with its virtual addresses on one debconf line,
// `eth0=192.0.2.254/24 2001:db8:1::fe/64 eth1=198.51.100.254/24` (a word with `=` starts an
// interface, the words after it are more addresses of that interface). It becomes [vips] of
// half.conf, one `interface = addresses` line each. Pure; problems are returned, not thrown.
import { parseIpPrefix, type IpPrefix } from '../config/ip-address.js';
import { isInterfaceName } from '../config/validate-sync.js';

export interface VipLine {
  readonly interface: string;
  readonly prefixes: readonly IpPrefix[];
}

export type VipsResult = { readonly ok: true; readonly lines: readonly VipLine[] } | { readonly ok: false; readonly problems: readonly string[] };

export const VIPS_EXAMPLE = 'eth0=192.0.2.254/24 eth1=198.51.100.254/24';

export function parseVipsAnswer(text: string): VipsResult {
  const problems: string[] = [];
  const lines: { interface: string; prefixes: IpPrefix[] }[] = [];
  let current: { interface: string; prefixes: IpPrefix[] } | undefined;
  for (const word of text.split(/[\s,;]+/).filter((w) => w !== '')) {
    let addressText = word;
    const eq = word.indexOf('=');
    if (eq >= 0) {
      const name = word.slice(0, eq);
      addressText = word.slice(eq + 1);
      if (!isInterfaceName(name)) {
        problems.push(`"${name}" is not an interface name (at most 15 letters, digits, ".", "-" or "_")`);
        current = undefined;
        continue;
      }
      if (lines.some((l) => l.interface === name)) problems.push(`${name} is listed twice: put all its addresses after one "${name}="`);
      current = { interface: name, prefixes: [] };
      lines.push(current);
      if (addressText === '') continue;
    }
    if (current === undefined) {
      if (problems.length === 0) problems.push(`"${word}" does not follow an interface: write interface=address/length, e.g. ${VIPS_EXAMPLE}`);
      continue;
    }
    const parsed = parseIpPrefix(addressText, { requireLength: true });
    if (!parsed.ok) problems.push(`${current.interface}: ${parsed.reason}; write the address with its prefix length, e.g. 192.0.2.254/24`);
    else current.prefixes.push(parsed.prefix);
  }
  for (const line of lines) if (line.prefixes.length === 0 && !problems.some((p) => p.startsWith(`${line.interface}:`))) problems.push(`${line.interface} has no address`);
  if (lines.length === 0 && problems.length === 0) problems.push(`no virtual address given; write e.g. ${VIPS_EXAMPLE}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, lines };
}

export function formatVipsAnswer(lines: readonly { readonly interface: string; readonly prefixes: readonly { readonly text: string }[] }[]): string {
  return lines.map((l) => `${l.interface}=${l.prefixes.map((p) => p.text).join(' ')}`).join(' ');
}
