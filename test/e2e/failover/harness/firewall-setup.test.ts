// The firewall's boot against the real kernel, in a namespace of the test's own: nft loads the
// ruleset (twice: a reboot replaces it), the sysctls hold, the VIPs and the state are gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../helpers/netns.js';
import { requireTool } from '../../../helpers/tools.js';
import { FIREWALLS, LAN_VIP } from './addresses.js';
import { bootFirewall, readDropCounters } from './firewall-setup.js';
import { renderFirewallRuleset } from './ruleset.js';

const net = createNamespaces('foboot');
const fw = FIREWALLS.halfone;

beforeAll(async () => {
  for (const tool of ['nft', 'conntrack', 'sysctl']) requireTool(tool);
  await net.addNs('halfone');
  await net.addNs('peer');
  await net.veth('halfone', 'lan0', 'peer', 'eth0');
  await net.addr('halfone', 'lan0', '192.0.2.1/24');
  await net.addr('halfone', 'lan0', `${LAN_VIP}/24`);
  await net.exec('halfone', ['conntrack', '-I', '-p', 'udp', '-s', '192.0.2.128', '-d', '198.51.100.128', '--sport', '1', '--dport', '2', '-t', '30'], { check: true });
});
afterAll(() => net.cleanup());

describe('renderFirewallRuleset', () => {
  it('is accepted by nft -c', async () => {
    const checked = await net.exec('halfone', ['nft', '-c', '-f', '-'], { input: renderFirewallRuleset(fw) });
    expect(checked.exitCode, checked.stderr).toBe(0);
  });

  it('drops by default and drops INVALID in both INPUT and FORWARD, and SNATs the LAN to the WAN VIP', () => {
    const text = renderFirewallRuleset(fw);
    expect(text.match(/policy drop;/g)).toHaveLength(2);
    expect(text).toContain('ct state invalid counter name "in_invalid" drop');
    expect(text).toContain('ct state invalid counter name "fwd_invalid" drop');
    expect(text).toContain('oifname "wan0" ip saddr 192.0.2.0/24 snat to 198.51.100.254');
    expect(text).toContain(`ip saddr { ${fw.peerLan}, ${fw.peerWan} }`);
  });
});

describe('bootFirewall', () => {
  it('loads the ruleset, sets the sysctls, removes the VIPs and empties the conntrack table; again on a reboot', async () => {
    for (let boot = 0; boot < 2; boot++) {
      await bootFirewall(net, fw);
      expect(await readDropCounters(net, fw)).toEqual({ fwd_invalid: 0, fwd_refused: 0, in_invalid: 0, in_refused: 0 });
    }
    const sysctl = await net.exec('halfone', ['sysctl', '-n', 'net.ipv4.ip_forward', 'net.netfilter.nf_conntrack_tcp_loose'], { check: true });
    expect(sysctl.stdout.split('\n').slice(0, 2)).toEqual(['1', '0']);
    expect((await net.exec('halfone', ['ip', '-o', 'addr', 'show', 'dev', 'lan0'])).stdout).not.toContain(LAN_VIP);
    expect((await net.exec('halfone', ['conntrack', '-C'], { check: true })).stdout.trim()).toBe('0');
  });

  it('counts what the ruleset drops: a connection to the firewall that no rule accepts', async () => {
    await net.addr('peer', 'eth0', '192.0.2.77/24');
    const probe = await net.exec('peer', ['socat', '-u', 'TCP:192.0.2.1:22,connect-timeout=0.5', 'STDOUT']);
    expect(probe.exitCode).not.toBe(0);
    expect((await readDropCounters(net, fw)).in_refused).toBeGreaterThan(0);
  });
});
