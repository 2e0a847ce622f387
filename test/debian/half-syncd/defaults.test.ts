// The defaults a node configures itself with when only `setup` is preseeded: drawn from the
// machine (suggest-answers.ts), they must never make keepalived claim another machine's address.
// Here the upstream router sits on .254 of the WAN, where the VIP would go by convention.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';

let node: NodeMachine;
let debs: string[];
beforeAll(async () => {
  const [kernel, syncd] = await Promise.all([halfKernelDeb(), halfSyncdDeb()]);
  node = await nodeMachine('bookworm', 'gwvip');
  debs = await node.put(kernel, syncd);
  await node.fw.exec(['ip', 'route', 'replace', 'default', 'via', '198.51.100.254'], { check: true });
});
afterAll(async () => {
  await node?.cleanup();
});

describe('an install with only setup preseeded', () => {
  it('takes the next free address below the default gateway as the VIP, never the gateway', async () => {
    await node.preseed([['setup', 'boolean', 'true']]);
    const install = await node.run(['dpkg', '-i', ...debs]);
    expect(install.exitCode, install.stderr).toBe(0);
    const conf = await node.root.readFile('/etc/half/half.conf');
    expect(conf).toMatch(/^eth1 = 198\.51\.100\.253\/24$/m);
    expect(conf).toMatch(/^eth0 = 192\.0\.2\.254\/24$/m);
    const keepalived = await node.root.readFile('/etc/keepalived/keepalived.conf');
    expect(keepalived).toContain('198.51.100.253/24 dev eth1');
    expect(keepalived).not.toContain('198.51.100.254');
  });

  it('says so when the admin then puts the gateway into half.conf', async () => {
    await node.run(['sed', '-i', 's|^eth1 = 198.51.100.253/24$|eth1 = 198.51.100.254/24|', '/etc/half/half.conf'], { check: true });
    const configure = await node.run(['half', 'configure']);
    expect(configure.stdout).toContain("NOTE: /etc/half/half.conf: [vips] eth1 = 198.51.100.254/24 is the address of this machine's default gateway");
  });
});
