// A network namespace shaped like the captured firewall (helpers/facts.ts): eth0 192.0.2.1/24 and
// 2001:db8:1::1/64, eth1 198.51.100.1/24 with the default route, eth2 203.0.113.1/30 (sync
// link), eth3 without an address; the other end of each veth sits in a second namespace, so
// nothing is attached to the host. Real keepalived, nft and ip run inside it.
import { createNamespaces, type NamespaceSet } from '../../../helpers/netns.js';
import { run, type RunOptions, type RunResult } from '../../../helpers/tools.js';

export interface FirewallNs {
  readonly net: NamespaceSet;
  /** System-wide name of the firewall namespace. */
  readonly ns: string;
  /** Runs a command inside the firewall namespace. */
  exec(cmd: readonly string[], options?: RunOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export async function firewallNamespace(label: string, syncAddress = '203.0.113.1/30'): Promise<FirewallNs> {
  const net = createNamespaces(label);
  try {
    await net.addNs('fw');
    await net.addNs('wire');
    for (const i of [0, 1, 2, 3]) await net.veth('fw', `eth${i}`, 'wire', `p${i}`);
    await net.addr('fw', 'eth0', '192.0.2.1/24');
    await net.addr('fw', 'eth0', '2001:db8:1::1/64');
    await net.addr('fw', 'eth1', '198.51.100.1/24');
    await net.addr('fw', 'eth2', syncAddress);
    await net.route('fw', 'default', '198.51.100.100');
  } catch (error) {
    await net.cleanup();
    throw error;
  }
  const ns = net.nsName('fw');
  return { net, ns, exec: (cmd, options) => run('ip', ['netns', 'exec', ns, ...cmd], options), cleanup: () => net.cleanup() };
}
