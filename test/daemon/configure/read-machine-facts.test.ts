// The real `ip -j` in a namespace made like the captured fixture: the facts read there, and the
// defaults drawn from them, are those of the captured JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { machineWarnings } from '../../../daemon/src/configure/machine-warnings.js';
import { IpCommandFacts } from '../../../daemon/src/configure/read-machine-facts.js';
import { suggestAnswers } from '../../../daemon/src/configure/suggest-answers.js';
import { ToolError } from '../../../repo-tool/src/model/errors.js';
import { capturedFirewall } from './helpers/facts.js';
import { firewallNamespace, type FirewallNs } from './helpers/firewall-ns.js';
import { PRIMARY_CONF } from './helpers/node-root.js';

let fw: FirewallNs;
beforeAll(async () => {
  fw = await firewallNamespace('facts');
});
afterAll(() => fw?.cleanup());

describe('IpCommandFacts', () => {
  it('reads interfaces, addresses and the default route from ip -j in a namespace', async () => {
    const facts = await new IpCommandFacts({ command: ['ip', '-n', fw.ns] }).read();
    expect(facts.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0', 'eth1', 'eth2', 'eth3']);
    expect(facts.defaultRouteInterfaces).toEqual(['eth1']);
    expect(facts.defaultGateways.map((g) => g.text)).toEqual(['198.51.100.100']);
    expect(suggestAnswers(facts, {})).toEqual(suggestAnswers(capturedFirewall(), {}));
  });

  it('reads what the advert warnings need: an interface with only a link-local address has no IPv4 to send from', async () => {
    const facts = await new IpCommandFacts({ command: ['ip', '-n', fw.ns] }).read();
    const warningsOf = (text: string): string[] => machineWarnings(validateHalfConf(text, '/etc/half/half.conf'), facts);
    expect(warningsOf(PRIMARY_CONF)).toEqual([]);
    expect(warningsOf(PRIMARY_CONF.replace('eth1 = 198.51.100.254/24', 'eth3 = 198.51.100.254/24'))).toEqual([expect.stringContaining('[vips] eth3 has no IPv4 address of its own')]);
    // eth3's link-local address (the kernel's, from its MAC) is what IPv6 adverts go out from
    expect(warningsOf(PRIMARY_CONF.replace('eth1 = 198.51.100.254/24', 'eth3 = 2001:db8:3::fe/64'))).toEqual([]);
  });

  it('fails with a ToolError naming the command when ip cannot run', async () => {
    const facts = new IpCommandFacts({ command: ['ip', '-n', `${fw.ns}-missing`] });
    await expect(facts.read()).rejects.toThrow(ToolError);
    await expect(facts.read()).rejects.toThrow(/cannot read the machine.s interfaces with "ip -n half-facts-\S+-missing .*Cannot open network namespace/);
  });
});
