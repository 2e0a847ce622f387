// Fault injection: switching a firewall off brutally and back on. Off = freeze every process in
// its namespace (SIGSTOP, so none can react: keepalived's VRRP child would otherwise send a
// priority-0 "goodbye" advert when its parent dies), take its links down (it stops forwarding
// and advertising at that instant), then SIGKILL the frozen processes. Processes are found with
// `ip netns pids` and addressed by pid; the harness's own instrumentation is left alone.
// On = what a boot does (firewall-setup.ts) while the links are still down, then links up.
import { run } from '../../../helpers/tools.js';
import type { NamespaceSet } from '../../../helpers/netns.js';
import { FIREWALL_IFACES, type FirewallAddresses } from './addresses.js';
import { bootFirewall } from './firewall-setup.js';
import { waitUntil } from './processes.js';
import { now } from './traffic/flow-recorder.js';

export interface PowerOffRecord {
  /** Every process was frozen, epoch ms. */
  readonly frozenAt: number;
  /** The links were down: the node stopped forwarding (the "kill" instant of the report). */
  readonly linksDownAt: number;
  readonly killedAt: number;
  readonly pids: readonly number[];
}

async function namespacePids(net: NamespaceSet, node: string, exclude: ReadonlySet<number>): Promise<number[]> {
  const listed = await run('ip', ['netns', 'pids', net.nsName(node)]);
  return listed.stdout.split('\n').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => !exclude.has(p) && p !== process.pid);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const links = Object.values(FIREWALL_IFACES);

export async function powerOff(net: NamespaceSet, fw: FirewallAddresses, exclude: readonly number[]): Promise<PowerOffRecord> {
  const skip = new Set(exclude);
  const frozen = new Set<number>();
  // freeze until no new process appears (a notify script may fork while we go)
  for (let round = 0; round < 5; round++) {
    const fresh = (await namespacePids(net, fw.name, skip)).filter((p) => !frozen.has(p));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      signal(pid, 'SIGSTOP');
      frozen.add(pid);
    }
  }
  const frozenAt = now();
  await run('ip', ['-n', net.nsName(fw.name), '-batch', '-'], { input: links.map((l) => `link set dev ${l} down\n`).join(''), check: true });
  const linksDownAt = now();
  for (const pid of frozen) signal(pid, 'SIGKILL');
  await waitUntil(async () => (await namespacePids(net, fw.name, skip)).every((p) => !frozen.has(p)), 5000, `the processes of ${fw.name} to die`);
  const killedAt = now();
  return { frozenAt, linksDownAt, killedAt, pids: [...frozen] };
}

/** Boots the node's firewall (empty state, no VIPs, the ruleset) and brings its links up. */
export async function powerOn(net: NamespaceSet, fw: FirewallAddresses): Promise<number> {
  await bootFirewall(net, fw);
  await run('ip', ['-n', net.nsName(fw.name), '-batch', '-'], { input: links.map((l) => `link set dev ${l} up\n`).join(''), check: true });
  return now();
}
