// The scale run's injected entries, loaded by the real conntrack -R into a namespace's table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../helpers/netns.js';
import { requireTool } from '../../../helpers/tools.js';
import { HOSTS, FIREWALLS } from './addresses.js';
import { parseTable } from './conntrack-table.js';
import { extraEntryLines, injectEntries } from './extra-entries.js';

const net = createNamespaces('foextra');
beforeAll(async () => {
  requireTool('conntrack');
  await net.addNs('halfone');
});
afterAll(() => net.cleanup());

describe('extra entries', () => {
  it('are distinct established TCP flows between addresses no machine of the scenario uses', () => {
    const lines = extraEntryLines(130_000).trimEnd().split('\n');
    expect(lines).toHaveLength(130_000);
    expect(new Set(lines).size).toBe(130_000);
    const used = [...Object.values(HOSTS).map((h) => h.address), ...Object.values(FIREWALLS).flatMap((f) => [f.lan, f.wan, f.sync])];
    for (const address of used) expect(lines.some((l) => l.includes(` ${address} `))).toBe(false);
    expect(extraEntryLines(0)).toBe('');
    expect(() => extraEntryLines(10_000_000)).toThrow(RangeError);
  });

  it('load into the table with conntrack -R, every one', async () => {
    expect(await injectEntries(net, 'halfone', 5000)).toBe(5000);
    const table = parseTable((await net.exec('halfone', ['conntrack', '-L', '-p', 'tcp'], { check: true })).stdout);
    expect(table.filter((e) => e.state === 'ESTABLISHED' && e.assured && e.orig.dport === 80)).toHaveLength(5000);
  });
});
