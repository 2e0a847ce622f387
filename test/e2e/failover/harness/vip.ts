// Where the VIPs are: a one-off check, and a watcher that timestamps every change of a
// firewall's addresses (`ip -o monitor address` inside its namespace; a line arrives within a
// few milliseconds of the change).
import { createInterface } from 'node:readline';
import type { NamespaceSet, NsChild } from '../../../helpers/netns.js';
import { FIREWALL_IFACES, LAN_VIP, WAN_VIP, type FirewallName } from './addresses.js';
import { now } from './traffic/flow-recorder.js';

export async function holdsVips(net: NamespaceSet, fw: FirewallName): Promise<{ lan: boolean; wan: boolean }> {
  const shown = await net.exec(fw, ['ip', '-o', '-4', 'addr', 'show']);
  return { lan: new RegExp(`inet ${LAN_VIP.replace(/\./g, '\\.')}/`).test(shown.stdout), wan: new RegExp(`inet ${WAN_VIP.replace(/\./g, '\\.')}/`).test(shown.stdout) };
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
    const child = net.spawn(node, ['ip', '-o', '-4', 'monitor', 'address']);
    children.push(child);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const at = now();
      for (const vip of [LAN_VIP, WAN_VIP]) {
        if (!line.includes(` ${vip}/`)) continue;
        const dev = vip === LAN_VIP ? FIREWALL_IFACES.lan : FIREWALL_IFACES.wan;
        if (!line.includes(dev)) continue;
        events.push({ at, node, vip, change: line.startsWith('Deleted') ? 'removed' : 'added' });
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
