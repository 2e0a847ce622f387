// An upgrade from an older half-syncd (built here from the same definitions at a lower version)
// on a configured node whose admin has since edited half.conf and HALF's nftables file: the new
// postinst takes the edited half.conf as the answers (the file is the master copy), re-renders
// what it owns, and keeps the local edit, putting HALF's new version beside it. The registry of
// generated files moves out of half-syncd's state folder, where earlier builds kept it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';
import { testContext } from '../../pkgs/helpers/context.js';

const OLD = '0.0.9';
let node: NodeMachine;
let upgrade: { exitCode: number; stdout: string; stderr: string };
let keyBefore: string;
beforeAll(async () => {
  node = await nodeMachine('bookworm', 'upgrade');
  const [kernel, old, current] = await Promise.all([halfKernelDeb(), halfSyncdDeb(OLD), halfSyncdDeb()]);
  const [kernelPath, oldPath, newPath] = await node.put(kernel, old, current);
  await node.preseed(PRIMARY_PRESEED);
  const first = await node.run(['dpkg', '-i', kernelPath as string, oldPath as string]);
  expect(first.exitCode, first.stderr).toBe(0);
  keyBefore = await node.root.readFile('/etc/half/cluster.key');
  // the node renumbered by hand, its number never answered through debconf (as after `half join`)
  await node.run(['sh', '-c', 'echo "fset half-syncd/node-id seen false" | debconf-communicate half-syncd'], { check: true });
  await node.run(['sh', '-c', [
    'sed -i "s/^id = 1$/id = 7/" /etc/half/half.conf',
    'sed -i "s/^peers = 203.0.113.2$/peers = 203.0.113.2 203.0.113.3  # a third node/" /etc/half/half.conf',
    'printf "\\n[daemon]\\nmetrics-port = 9500\\n" >> /etc/half/half.conf',
    'echo "# counted by my monitoring" >> /etc/half/half.nft',
    // where earlier builds kept the registry of generated files: in half-syncd's StateDirectory
    'mv /var/lib/half-syncd/generated /var/lib/half/generated',
  ].join(' && ')], { check: true });
  upgrade = await node.run(['dpkg', '-i', newPath as string]);
});
afterAll(() => node?.cleanup());

describe('upgrading half-syncd', () => {
  it('installs the new version and keeps the configuration and the key', async () => {
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    const status = await node.run(['dpkg-query', '-W', '-f=${Version} ${Status}', 'half-syncd']);
    expect(status.stdout).toBe(`${testContext().projectVersion} install ok installed`);
    const conf = await node.root.readFile('/etc/half/half.conf');
    expect(conf).toContain('peers = 203.0.113.2 203.0.113.3  # a third node\n');
    expect(conf).toContain('[daemon]\nmetrics-port = 9500\n');
    // the number half.conf gives, not the role's default (1 on a primary)
    expect(conf).toMatch(/^id = 7$/m);
    expect(await node.root.readFile('/etc/half/cluster.key')).toBe(keyBefore);
  });

  it('re-renders what HALF owns and keeps the local edit, with HALF\'s version beside it', async () => {
    expect(await node.root.readFile('/etc/half/iptables.rules')).toContain('-s 203.0.113.3/32');
    expect(await node.root.readFile('/etc/half/half.nft')).toMatch(/# counted by my monitoring\n$/);
    const beside = await node.root.readFile('/etc/half/half.nft.half');
    expect(beside).toContain('203.0.113.3');
    expect(upgrade.stderr).toContain('/etc/half/half.nft was changed locally since HALF wrote it, so your changes were kept; HALF\'s new version is /etc/half/half.nft.half');
    const nft = await node.run(['nft', '-c', '-f', '/etc/half/half.nft.half']);
    expect(nft.exitCode, nft.stderr).toBe(0);
  });

  it('moves the registry of generated files out of half-syncd\'s state folder', async () => {
    expect(await node.exists('/var/lib/half/generated')).toBe(false);
    expect(await node.root.readFile('/var/lib/half-syncd/generated')).toContain('  /etc/half/half.nft\n');
    // postinst moves it even where the admin answered no to the setup (so nothing is rendered)
    await node.run(['mv', '/var/lib/half-syncd/generated', '/var/lib/half/generated'], { check: true });
    const declined = await node.run(['dpkg-reconfigure', 'half-syncd'], { env: { DEBIAN_FRONTEND: 'teletype' }, input: 'no\n' });
    expect(declined.exitCode, declined.stderr).toBe(0);
    expect(declined.stderr).toContain('setup answered no');
    expect(await node.exists('/var/lib/half/generated')).toBe(false);
    expect(await node.root.readFile('/var/lib/half-syncd/generated')).toContain('  /etc/half/half.nft\n');
    // `systemctl clean half-syncd` (or an admin's rm) empties the state folder: no loss now
    await node.run(['rm', '-rf', '/var/lib/half'], { check: true });
    const purge = await node.run(['dpkg', '--purge', 'half-syncd']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    for (const path of ['/etc/half/half.conf', '/etc/half/cluster.key', '/etc/half/half.nft.half', '/etc/keepalived/keepalived.conf', '/etc/sysctl.d/60-half.conf', '/var/lib/half-syncd']) {
      expect(await node.exists(path), path).toBe(false);
    }
    // the edited file is listed too (with HALF's hash): purge takes HALF's files whatever their content, like dpkg's conffiles
    expect(await node.exists('/etc/half/half.nft')).toBe(false);
  });
});
