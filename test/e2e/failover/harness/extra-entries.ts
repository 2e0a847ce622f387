// The scale run's extra load: conntrack entries that no traffic refreshes, injected on the
// active node so that replication and the takeover commit carry a large table. Established TCP
// entries between addresses no machine of the topology uses (192.0.2.16+ → 198.51.100.80:80),
// as `conntrack -I` lines for `conntrack -R` (conntrack(8): one command per line).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NamespaceSet } from '../../../helpers/netns.js';
import { run } from '../../../helpers/tools.js';
import type { FirewallName } from './addresses.js';

const PORTS_PER_HOST = 60_000;
const FIRST_HOST = 16;
const LAST_HOST = 100;

export function extraEntryLines(count: number): string {
  if (count > (LAST_HOST - FIRST_HOST + 1) * PORTS_PER_HOST) throw new RangeError(`at most ${(LAST_HOST - FIRST_HOST + 1) * PORTS_PER_HOST} extra entries`);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const src = `192.0.2.${FIRST_HOST + Math.floor(i / PORTS_PER_HOST)}`;
    const sport = 1024 + (i % PORTS_PER_HOST);
    lines.push(`-I -p tcp -s ${src} -d 198.51.100.80 --sport ${sport} --dport 80 --state ESTABLISHED -t 1200 -u SEEN_REPLY,ASSURED`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Inserts `count` entries in `node`'s table (conntrack -R stops at the first failure, so the
 *  entries must be new); returns how many the table gained. The lines go through a file: Node
 *  gives children sockets, not pipes, and conntrack cannot open /dev/stdin on a socket. */
export async function injectEntries(net: NamespaceSet, node: FirewallName, count: number): Promise<number> {
  const countNow = async (): Promise<number> => Number((await net.exec(node, ['conntrack', '-C'], { check: true })).stdout.trim());
  const before = await countNow();
  const dir = await mkdtemp(join(tmpdir(), 'half-extra-'));
  const file = join(dir, 'entries');
  await writeFile(file, extraEntryLines(count));
  const loaded = await run('ip', ['netns', 'exec', net.nsName(node), 'conntrack', '-R', file]).finally(() => rm(dir, { recursive: true, force: true }));
  if (loaded.exitCode !== 0) throw new Error(`conntrack -R in ${node} failed: ${loaded.stderr.trim().split('\n').slice(-3).join('; ')}`);
  return (await countNow()) - before;
}
