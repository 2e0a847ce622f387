// The iptables fallback: golden bytes, `iptables-restore --test`, and in a namespace whose INPUT
// policy is DROP, the sync port from the peer and VRRP get in while a foreign source does not
// (and the port on the node's other addresses is left to the admin's rules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyIptablesRules } from '../../../daemon/src/config/iptables-apply.js';
import { renderIptablesRules } from '../../../daemon/src/config/iptables-rules.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { requireTool } from '../../helpers/tools.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';
import { sendPacket } from '../ha/fixtures/net-probe.js';
import { FIXTURES, fixtureConfig } from './fixtures/configs.js';
import { expectGolden } from './fixtures/golden.js';
import { MINIMAL } from './fixtures/problems.js';

describe('renderIptablesRules', () => {
  it.each(FIXTURES)('renders %s byte for byte', (name) => {
    const rendering = renderIptablesRules(fixtureConfig(name));
    expectGolden(`${name}.iptables-v4`, rendering.v4);
    expectGolden(`${name}.iptables-v6`, rendering.v6);
    expect(rendering.hooks).toEqual([{ table: 'filter', chain: 'INPUT', target: 'HALF-INPUT' }]);
  });
});

describe('the iptables fallback in a namespace', () => {
  const lab = new NetnsLab('i');
  let fw: string;
  let peer: string;

  /** Packet count of each HALF-INPUT rule, in order. */
  async function ruleCounts(): Promise<number[]> {
    const out = (await lab.exec(fw, 'iptables', ['-nvxL', 'HALF-INPUT'], { check: true })).stdout;
    return out.split('\n').slice(2).filter((l) => l.trim() !== '').map((l) => Number(l.trim().split(/\s+/)[0]));
  }

  beforeAll(async () => {
    requireTool('iptables');
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
    // and its packets from its sync address to the fw's LAN address go through sync0
    await lab.ip(peer, ['route', 'add', '192.0.2.1/32', 'dev', 'sync0', 'table', '101']);
    await lab.ip(peer, ['rule', 'add', 'from', '203.0.113.2', 'to', '192.0.2.1', 'lookup', '101']);
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it.each(FIXTURES)('iptables-restore --test accepts %s', async (name) => {
    const rendering = renderIptablesRules(fixtureConfig(name));
    for (const [tool, text] of [['iptables-restore', rendering.v4], ['ip6tables-restore', rendering.v6]] as const) {
      const result = await lab.exec(fw, tool, ['--test', '--noflush'], { input: text });
      expect(result.exitCode, `${tool}: ${result.stderr}`).toBe(0);
    }
  });

  it('loads twice without duplicating, keeping the admin rules', async () => {
    await lab.exec(fw, 'iptables', ['-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT'], { check: true });
    await lab.exec(fw, 'iptables', ['-P', 'INPUT', 'DROP'], { check: true });
    const rendering = renderIptablesRules(validateHalfConf(MINIMAL, '/etc/half/half.conf'));
    await applyIptablesRules(rendering, { prefix: ['ip', 'netns', 'exec', fw] });
    await applyIptablesRules(rendering, { prefix: ['ip', 'netns', 'exec', fw] });
    const rules = (await lab.exec(fw, 'iptables', ['-S'], { check: true })).stdout.trim().split('\n');
    expect(rules).toEqual([
      '-P INPUT DROP',
      '-P FORWARD ACCEPT',
      '-P OUTPUT ACCEPT',
      '-N HALF-INPUT',
      '-A INPUT -j HALF-INPUT',
      '-A INPUT -i lo -j ACCEPT',
      '-A HALF-INPUT -s 203.0.113.2/32 -d 203.0.113.1/32 -i sync0 -p udp -m udp --dport 3781 -j ACCEPT',
      '-A HALF-INPUT -d 203.0.113.1/32 -p udp -m udp --dport 3781 -j DROP',
      '-A HALF-INPUT -i lan0 -p vrrp -j ACCEPT',
    ]);
    const v6 = (await lab.exec(fw, 'ip6tables', ['-S', 'INPUT'], { check: true })).stdout.trim().split('\n');
    expect(v6).toEqual(['-P INPUT ACCEPT', '-A INPUT -j HALF-INPUT']);
  });

  it('accepts the peer\'s sync traffic and VRRP under a DROP policy, drops foreign sync traffic', async () => {
    const before = await ruleCounts();
    await sendPacket(lab, peer, ['udp', '203.0.113.2', '203.0.113.1', '3781']);
    await sendPacket(lab, peer, ['udp', '203.0.113.9', '203.0.113.1', '3781']); // a stranger on the sync link
    await sendPacket(lab, peer, ['udp', '192.0.2.2', '203.0.113.1', '3781']); // the sync address, from the LAN
    await sendPacket(lab, peer, ['udp', '192.0.2.2', '192.0.2.1', '3781']); // another address: left to the admin's rules
    await sendPacket(lab, peer, ['udp', '203.0.113.2', '192.0.2.1', '3781']); // the peer, to another address over sync0: the admin's too
    await sendPacket(lab, peer, ['proto', '192.0.2.2', '192.0.2.1', '112']);
    let after = before;
    for (let i = 0; i < 100 && after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0) < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await ruleCounts();
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // a late count of the fourth datagram would show here
    after = await ruleCounts();
    expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual([1, 2, 1]);
  });

  it('accepts only the group on a multicast link: the sync port on the node\'s own addresses stays the admin\'s', async () => {
    const multicast = MINIMAL.replace('peers = 203.0.113.2', 'multicast-group = 239.192.0.1');
    await applyIptablesRules(renderIptablesRules(validateHalfConf(multicast, '/etc/half/half.conf')), { prefix: ['ip', 'netns', 'exec', fw] });
    expect((await lab.exec(fw, 'iptables', ['-S', 'HALF-INPUT'], { check: true })).stdout).toContain(
      '-A HALF-INPUT -d 239.192.0.1/32 -i sync0 -p udp -m udp --dport 3781 -j ACCEPT',
    );
    const before = await ruleCounts();
    await sendPacket(lab, peer, ['udp', '203.0.113.2', '203.0.113.1', '3781']); // unicast to the link's address
    await sendPacket(lab, peer, ['udp', '203.0.113.2', '192.0.2.1', '3781']); // to another address, over sync0
    await sendPacket(lab, peer, ['proto', '192.0.2.2', '192.0.2.1', '112']); // a packet HALF does count, sent last
    let after = before;
    for (let i = 0; i < 100 && after.reduce((a, b) => a + b, 0) === before.reduce((a, b) => a + b, 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await ruleCounts();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    after = await ruleCounts();
    // the accept, the drop of foreign traffic to the group, VRRP on lan0
    expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual([0, 0, 1]);
  });
});
