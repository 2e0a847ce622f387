// Counts TCP resets seen by an end host (nft(8) counters in a table of the harness's own, on
// the input and output hooks): the pass criterion "the server side sees zero RSTs", measured on
// the gateway, and the same on the LAN hosts for the report.
import type { NamespaceSet } from '../../../helpers/netns.js';

const TABLE = 'harness_rst';

export interface RstCounts {
  readonly received: number;
  readonly sent: number;
}

export function renderRstCounters(): string {
  return `table inet ${TABLE} {
  counter rst_in { }
  counter rst_out { }
  chain input {
    type filter hook input priority -300; policy accept;
    tcp flags & rst == rst counter name "rst_in"
  }
  chain output {
    type filter hook output priority -300; policy accept;
    tcp flags & rst == rst counter name "rst_out"
  }
}
`;
}

export async function installRstCounters(net: NamespaceSet, ns: string): Promise<void> {
  await net.exec(ns, ['nft', '-f', '-'], { input: renderRstCounters(), check: true });
}

export async function readRstCounters(net: NamespaceSet, ns: string): Promise<RstCounts> {
  const listed = await net.exec(ns, ['nft', '-j', 'list', 'counters', 'table', 'inet', TABLE], { check: true });
  const items = (JSON.parse(listed.stdout) as { nftables: { counter?: { name: string; packets: number } }[] }).nftables;
  const packets = (name: string): number => items.find((i) => i.counter?.name === name)?.counter?.packets ?? 0;
  return { received: packets('rst_in'), sent: packets('rst_out') };
}
