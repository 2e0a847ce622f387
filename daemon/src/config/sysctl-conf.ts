// A sysctl.d(5) snippet for a HALF node (keys from the kernel's
// Documentation/networking/nf_conntrack-sysctl.rst and ip-sysctl.rst). Pure: text out; each
// setting carries the reason it is there.
import type { HalfConfig } from './half-conf.js';
import { renderedFromLine } from './render-header.js';

export interface SysctlSetting {
  readonly key: string;
  readonly value: string;
  readonly why: string;
  /**
   * A host-wide key (net.core.*): written with sysctl.d(5)'s "-" prefix, so that where it
   * cannot be set (a container's network namespace) the rest still loads.
   */
  readonly hostWide?: boolean;
}

export function sysctlSettings(config: HalfConfig): SysctlSetting[] {
  const ipv6 = config.vips.some((v) => v.vips.some((vip) => vip.address.family === 6));
  return [
    {
      key: 'net.ipv4.ip_forward',
      value: '1',
      why: 'the node routes between its interfaces: it is the firewall',
    },
    ...(ipv6
      ? [{ key: 'net.ipv6.conf.all.forwarding', value: '1', why: 'IPv6 virtual addresses are configured: the node routes IPv6 too' }]
      : []),
    {
      key: 'net.netfilter.nf_conntrack_events',
      value: '1',
      why: 'half-syncd replicates connections from conntrack events: always generate them',
    },
    {
      key: 'net.core.rmem_max',
      value: String(32 * 1024 * 1024),
      why: 'half-syncd asks for a 64 MiB receive buffer on its conntrack event socket and the kernel grants twice rmem_max at most (Debian\'s default 212992 leaves some 400 events); a larger burst while the daemon is busy would be lost and healed by a full resync',
      hostWide: true,
    },
    {
      key: 'net.netfilter.nf_conntrack_tcp_be_liberal',
      value: '1',
      why: 'after a takeover the window data of committed TCP entries lags the real stream; do not mark its packets INVALID (and drop them) for being out of window',
    },
  ];
}

function wrapComment(text: string, width = 96): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** The snippet, e.g. for /etc/sysctl.d/60-half.conf. */
export function renderSysctlConf(config: HalfConfig): string {
  const lines = [
    renderedFromLine('sysctl settings', config),
    '# Do not edit: change half.conf and run `half configure`.',
  ];
  for (const setting of sysctlSettings(config)) lines.push('', ...wrapComment(setting.why), `${setting.hostWide === true ? '-' : ''}${setting.key} = ${setting.value}`);
  lines.push(
    '',
    '# Not set by HALF: net.ipv4.ip_nonlocal_bind. keepalived adds the virtual addresses itself and',
    '# half-syncd binds only the sync address; enable it (=1) only if a service of your own must',
    '# bind a virtual address on the BACKUP node.',
    '# Not set by HALF: net.netfilter.nf_conntrack_tcp_loose. With 1 (the kernel default) a node',
    '# also picks up TCP connections it never saw, mid-stream.',
  );
  return lines.join('\n') + '\n';
}
