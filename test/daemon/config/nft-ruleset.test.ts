// table inet half: golden bytes, `nft -c` on every fixture, and, loaded in a namespace next to
// an admin's own table, what it does to real packets: sync traffic only from the peers, VRRP
// on the VIP interfaces, the admin's table left exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderGuardCommand, renderNftRemoval, renderNftRuleset } from '../../../daemon/src/config/nft-ruleset.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { requireTool } from '../../helpers/tools.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';
import { nftCounter, nftLoad, sendPacket } from '../ha/fixtures/net-probe.js';
import { FIXTURES, fixtureConfig } from './fixtures/configs.js';
import { expectGolden } from './fixtures/golden.js';
import { MINIMAL } from './fixtures/problems.js';

const ADMIN_TABLE = `table inet filter {
\tcounter sync_seen {
\t}

\tcounter vrrp_seen {
\t}

\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t\tudp dport 3781 counter name "sync_seen"
\t\tmeta l4proto vrrp counter name "vrrp_seen"
\t}
}
`;

describe('renderNftRuleset', () => {
  it.each(FIXTURES)('renders %s byte for byte', (name) => {
    expectGolden(`${name}.nft`, renderNftRuleset(fixtureConfig(name)));
  });

  it('can load with the guard already on', () => {
    const on = renderNftRuleset(fixtureConfig('two-lan-wan'), { guardOn: true });
    expect(on).toContain('\tset guard {\n\t\ttype inet_proto\n\t\telements = { tcp }\n\t}');
    expect(on).toContain('\tset hold_new {\n\t\ttype nf_proto\n\t\telements = { ipv4, ipv6 }\n\t}');
    expect(on).toContain('the guard starts on.');
    expect(renderNftRuleset(fixtureConfig('two-lan-wan'))).not.toContain('elements');
  });

  it('renders the guard toggles and the removal', () => {
    expect(renderGuardCommand(true)).toBe('add element inet half guard { tcp }\nadd element inet half hold_new { ipv4, ipv6 }\n');
    expect(renderGuardCommand(false)).toBe(
      'add element inet half guard { tcp }\nadd element inet half hold_new { ipv4, ipv6 }\n' +
        'delete element inet half guard { tcp }\ndelete element inet half hold_new { ipv4, ipv6 }\n',
    );
    expect(renderNftRemoval()).toBe('table inet half\ndelete table inet half\n');
  });
});

describe('table inet half in a namespace', () => {
  const lab = new NetnsLab('n');
  let fw: string;
  let peer: string;
  const config = validateHalfConf(MINIMAL, '/etc/half/half.conf');

  beforeAll(async () => {
    requireTool('nft');
    requireTool('python3');
    fw = await lab.namespace('fw');
    peer = await lab.namespace('peer');
    await lab.veth(fw, 'sync0', peer, 'sync0');
    await lab.veth(fw, 'lan0', peer, 'lan0');
    await lab.ip(fw, ['addr', 'add', '203.0.113.1/24', 'dev', 'sync0']);
    await lab.ip(peer, ['addr', 'add', '203.0.113.2/24', 'dev', 'sync0']);
    await lab.ip(peer, ['addr', 'add', '203.0.113.9/24', 'dev', 'sync0']);
    await lab.ip(fw, ['addr', 'add', '192.0.2.1/24', 'dev', 'lan0']);
    await lab.ip(peer, ['addr', 'add', '192.0.2.2/24', 'dev', 'lan0']);
    // the peer's packets from its LAN address reach the fw's sync address through lan0
    await lab.ip(peer, ['route', 'add', '203.0.113.1/32', 'dev', 'lan0', 'table', '100']);
    await lab.ip(peer, ['rule', 'add', 'from', '192.0.2.2', 'lookup', '100']);
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it.each(FIXTURES)('nft -c accepts %s', async (name) => {
    const result = await lab.exec(fw, 'nft', ['-c', '-f', '-'], { input: renderNftRuleset(fixtureConfig(name)) });
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('loads (twice) beside the admin table without changing it', async () => {
    await nftLoad(lab, fw, ADMIN_TABLE);
    const before = (await lab.exec(fw, 'nft', ['list', 'table', 'inet', 'filter'], { check: true })).stdout;
    await nftLoad(lab, fw, renderNftRuleset(config));
    await nftLoad(lab, fw, renderNftRuleset(config));
    const tables = (await lab.exec(fw, 'nft', ['list', 'tables'], { check: true })).stdout;
    expect(tables.split('\n').filter((l) => l !== '').sort()).toEqual(['table inet filter', 'table inet half']);
    expect((await lab.exec(fw, 'nft', ['list', 'table', 'inet', 'filter'], { check: true })).stdout).toBe(before);
    const half = (await lab.exec(fw, 'nft', ['list', 'chain', 'inet', 'half', 'input'], { check: true })).stdout;
    expect(half.match(/udp dport 3781/g)).toHaveLength(2); // loaded twice, rules once
  });

  it('lets sync traffic in from the peer only, counts the rest, and leaves the port on other addresses alone', async () => {
    const seen = await nftCounter(lab, fw, 'filter', 'sync_seen');
    const foreign = await nftCounter(lab, fw, 'half', 'sync_foreign_dropped');
    await sendPacket(lab, peer, ['udp', '203.0.113.2', '203.0.113.1', '3781']);
    await sendPacket(lab, peer, ['udp', '203.0.113.9', '203.0.113.1', '3781']); // a stranger on the sync link
    await sendPacket(lab, peer, ['udp', '192.0.2.2', '203.0.113.1', '3781']); // the sync address, from the LAN
    await sendPacket(lab, peer, ['udp', '192.0.2.2', '192.0.2.1', '3781']); // another address: the admin's business
    await sendPacket(lab, peer, ['udp', '203.0.113.2', '203.0.113.1', '3781']);
    await waitUntil(async () => (await nftCounter(lab, fw, 'filter', 'sync_seen')) - seen === 3 && (await nftCounter(lab, fw, 'half', 'sync_foreign_dropped')) - foreign === 2);
  });

  it('does not drop VRRP on the VIP interface', async () => {
    const vrrp = await nftCounter(lab, fw, 'filter', 'vrrp_seen');
    await sendPacket(lab, peer, ['proto', '192.0.2.2', '192.0.2.1', '112']);
    await waitUntil(async () => (await nftCounter(lab, fw, 'filter', 'vrrp_seen')) === vrrp + 1);
  });

  it('reloads with the guard in the state asked for', async () => {
    const set = async (): Promise<string> => (await lab.exec(fw, 'nft', ['list', 'set', 'inet', 'half', 'guard'], { check: true })).stdout;
    const hold = async (): Promise<string> => (await lab.exec(fw, 'nft', ['list', 'set', 'inet', 'half', 'hold_new'], { check: true })).stdout;
    await nftLoad(lab, fw, renderNftRuleset(config, { guardOn: true }));
    expect(await set()).toMatch(/elements = \{ tcp \}/);
    expect(await hold()).toMatch(/elements = \{ ipv4, ipv6 \}/);
    await nftLoad(lab, fw, renderNftRuleset(config));
    expect(await set()).not.toMatch(/elements/);
    expect(await hold()).not.toMatch(/elements/);
  });

  it('is removed by the removal script, leaving the admin table', async () => {
    await nftLoad(lab, fw, renderNftRemoval());
    await nftLoad(lab, fw, renderNftRemoval());
    const tables = (await lab.exec(fw, 'nft', ['list', 'tables'], { check: true })).stdout;
    expect(tables.trim()).toBe('table inet filter');
  });
});

/** Waits (bounded) for a counter condition: packets are processed asynchronously. */
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await condition(), 'counter condition never held').toBe(true);
}
