// Where the VIPs are: a one-off check, and a watcher that timestamps every change of a
// firewall's addresses (`ip -ts -o monitor address` inside its namespace: ip stamps each event
// when the kernel reports it, so a busy test process reading the lines late does not skew the
// times; iproute2 prints local time, which Date reads as local time too).
import { createInterface } from 'node:readline';
import type { NamespaceSet, NsChild } from '../../../helpers/netns.js';
import { FIREWALL_IFACES, LAN_VIP, WAN_VIP, type FirewallName } from './addresses.js';
import { now } from './traffic/flow-recorder.js';

export async function holdsVips(net: NamespaceSet, fw: FirewallName): Promise<{ lan: boolean; wan: boolean }> {
  const shown = await net.exec(fw, ['ip', '-o', '-4', 'addr', 'show']);
  return { lan: new RegExp(`inet ${LAN_VIP.replace(/\./g, '\\.')}/`).test(shown.stdout), wan: new RegExp(`inet ${WAN_VIP.replace(/\./g, '\\.')}/`).test(shown.stdout) };
}

/** The time `ip -ts` put in front of a monitor line ("[2026-11-26T06:52:00.103888] …"), epoch
 *  ms with the microseconds kept; undefined when the line has none. */
export function monitorTime(line: string): number | undefined {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?\]/.exec(line);
  if (m?.[1] === undefined) return undefined;
  const seconds = new Date(m[1]).getTime();
  return Number.isNaN(seconds) ? undefined : seconds + Number(m[2] ?? 0) * 1000;
}

export interface VipEvent {
  readonly at: number;
  readonly node: FirewallName;
  readonly vip: string;
  readonly change: 'added' | 'removed';
}

export interface VipWatcher {
  readonly events: readonly VipEvent[];
  /** Pids of the watching processes (instrumentation: fault injection leaves them alone). */
  readonly pids: readonly number[];
  stop(): void;
}

export function watchVips(net: NamespaceSet, nodes: readonly FirewallName[]): VipWatcher {
  const events: VipEvent[] = [];
  const children: NsChild[] = [];
  for (const node of nodes) {
    const child = net.spawn(node, ['ip', '-ts', '-o', '-4', 'monitor', 'address']);
    children.push(child);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const at = monitorTime(line) ?? now();
      for (const vip of [LAN_VIP, WAN_VIP]) {
        if (!line.includes(` ${vip}/`)) continue;
        const dev = vip === LAN_VIP ? FIREWALL_IFACES.lan : FIREWALL_IFACES.wan;
        if (!line.includes(dev)) continue;
        events.push({ at, node, vip, change: /^(\[[^\]]*\] )?Deleted/.test(line) ? 'removed' : 'added' });
      }
    });
  }
  return {
    events,
    pids: children.map((c) => c.pid).filter((p): p is number => p !== undefined),
    stop() {
      for (const c of children) c.kill('SIGTERM');
    },
  };
}
