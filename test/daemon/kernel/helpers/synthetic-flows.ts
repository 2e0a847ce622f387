// Made-up flows for bulk tests and the commit benchmark: distinct TCP (or UDP) flows from
// 192.0.2.0/24 to 198.51.100.1:80, as ConntrackEntry values and as `conntrack -R` lines for the
// same flows, so both tools insert exactly the same table.
import type { ConntrackEntry } from '../../../../daemon/src/kernel/ct-entry.js';
import { IpProto } from '../../../../daemon/src/kernel/ct-entry.js';
import { Ips } from '../../../../daemon/src/kernel/codec/ct-status.js';

const PORTS = 64_000;

export interface SyntheticOptions {
  /** Index of the first flow (flows from different calls never collide). */
  readonly start?: number;
  readonly proto?: 'tcp' | 'udp';
  readonly timeout?: number;
}

function endpoint(i: number): { src: string; sport: number } {
  const host = Math.floor(i / PORTS);
  if (host > 255) throw new Error(`synthetic flow ${i} is beyond 192.0.2.0/24 x ${PORTS} ports`);
  return { src: `192.0.2.${host}`, sport: 1024 + (i % PORTS) };
}

export function syntheticEntries(count: number, options: SyntheticOptions = {}): ConntrackEntry[] {
  const proto = options.proto === 'udp' ? IpProto.udp : IpProto.tcp;
  const entries: ConntrackEntry[] = [];
  for (let n = 0; n < count; n++) {
    const { src, sport } = endpoint((options.start ?? 0) + n);
    entries.push({
      family: 'ipv4',
      orig: { src, dst: '198.51.100.1', proto, sport, dport: 80 },
      reply: { src: '198.51.100.1', dst: src, proto, sport: 80, dport: sport },
      status: Ips.seenReply | Ips.assured | Ips.confirmed,
      timeout: options.timeout ?? 600,
      zone: 0,
      // as a dump reports an established connection: window scaling and SACK seen both ways
      ...(proto === IpProto.tcp ? { protoinfo: { proto: 'tcp' as const, state: 3, wscaleOrig: 7, wscaleReply: 7, flagsOrig: 3, flagsReply: 3 } } : {}),
    });
  }
  return entries;
}

/** The same flows as `conntrack -R -` input lines. */
export function syntheticConntrackLines(count: number, options: SyntheticOptions = {}): string {
  const lines: string[] = [];
  const proto = options.proto ?? 'tcp';
  const state = proto === 'tcp' ? ' --state ESTABLISHED' : '';
  for (let n = 0; n < count; n++) {
    const { src, sport } = endpoint((options.start ?? 0) + n);
    lines.push(`-I -s ${src} -d 198.51.100.1 -p ${proto} --sport ${sport} --dport 80${state} -t ${options.timeout ?? 600} -u SEEN_REPLY,ASSURED`);
  }
  return lines.join('\n') + '\n';
}
