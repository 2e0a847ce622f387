// half-syncd's maintainer scripts on a Debian 12 node (test/debian/helpers/node-machine.ts):
// a non-interactive install without answers leaves the node unconfigured and says how to
// finish; a fully preseeded install configures it, and the real keepalived, nft,
// iptables-restore and sysctl accept what it wrote; re-running postinst and dpkg-reconfigure
// keep the admin's edits; remove keeps the configuration, purge removes exactly what HALF wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { GENERATED_FILES, PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';
import { run } from '../../helpers/tools.js';

let debs: string[] = [];
let bare: NodeMachine;
let node: NodeMachine;
let bareInstall: { exitCode: number; stdout: string; stderr: string };
let install: { exitCode: number; stdout: string; stderr: string };

beforeAll(async () => {
  const [syncd, kernel] = await Promise.all([halfSyncdDeb(), halfKernelDeb()]);
  [bare, node] = await Promise.all([nodeMachine('bookworm', 'bare'), nodeMachine('bookworm', 'primary')]);
  debs = await bare.put(kernel, syncd);
  await node.put(kernel, syncd);
  bareInstall = await bare.run(['dpkg', '-i', ...debs]);
  await node.preseed(PRIMARY_PRESEED);
  install = await node.run(['dpkg', '-i', ...debs]);
});
afterAll(async () => {
  await Promise.all([bare?.cleanup(), node?.cleanup()]);
});

const sums = (machine: NodeMachine, files: readonly string[]) => machine.run(['sha256sum', ...files], { check: true }).then((r) => r.stdout);

describe('a non-interactive install without answers', () => {
  it('completes, configures nothing, and says how to finish', async () => {
    expect(bareInstall.exitCode, bareInstall.stderr).toBe(0);
    const output = bareInstall.stdout + bareInstall.stderr;
    expect(output).toContain('HALF is installed but this node is not configured yet');
    expect(output).toContain('dpkg-reconfigure half-syncd');
    for (const path of GENERATED_FILES) expect(await bare.exists(path), path).toBe(false);
    const status = await bare.run(['dpkg-query', '-W', '-f=${Status}', 'half-syncd', 'half-kernel']);
    expect(status.stdout).toBe('install ok installedinstall ok installed');
    const half = await bare.run(['half', 'status']);
    expect(half.exitCode).not.toBe(0);
    expect(half.stderr).toContain('not configured');
    expect(half.stderr).toContain('dpkg-reconfigure half-syncd');
  });

  it('starts no service: nothing runs in the node', async () => {
    const pids = await run('ip', ['netns', 'pids', bare.fw.ns], { check: true });
    expect(pids.stdout.trim()).toBe('');
    // The unit would not start either: it waits for half.conf.
    expect(await bare.root.readFile('/usr/lib/systemd/system/half-syncd.service')).toContain('ConditionPathExists=/etc/half/half.conf');
  });

  it('leaves the network\'s nftables alone on remove where it cannot tell a chroot from the host (no /proc)', async () => {
    // HALF's table as the host would have it, in the node's namespace
    await bare.run(['nft', '-f', '-'], { input: 'table inet half {\n}\n', check: true });
    // ischroot answers "cannot tell" without /proc: the postrm must take that for a chroot
    const removed = await run('ip', ['netns', 'exec', bare.fw.ns, 'unshare', '-m', 'sh', '-c', `umount ${bare.root.dir}/proc && chroot ${bare.root.dir} dpkg --remove half-syncd`], {
      cleanEnv: true,
      env: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C.UTF-8', HOME: '/root' },
    });
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect((await bare.run(['nft', 'list', 'table', 'inet', 'half'])).exitCode).toBe(0);
  });
});

describe('a preseeded install', () => {
  it('configures the node and says how to get the line for the next node', async () => {
    expect(install.exitCode, install.stderr).toBe(0);
    for (const path of GENERATED_FILES) expect(await node.exists(path), path).toBe(true);
    const conf = await node.root.readFile('/etc/half/half.conf');
    expect(conf).toContain('[sync]\ninterface = eth2\naddress = 203.0.113.1\npeers = 203.0.113.2\n');
    expect(install.stderr).toContain('run `half configure --print-join` on this node');
    // the cluster key is never in what the package scripts print (apt keeps that in term.log)
    const clusterKey = (await node.root.readFile('/etc/half/cluster.key')).trim();
    expect(install.stderr + install.stdout).not.toContain(clusterKey);
    const join = await node.run(['half', 'configure', '--print-join'], { check: true });
    expect(join.stdout).toMatch(/printf '%s\\n' [0-9a-f]{64} \| half join --apply --peer 203\.0\.113\.1 --vips 'eth0=192\.0\.2\.254\/24 2001:db8:1::fe\/64 eth1=198\.51\.100\.254\/24' --router-id 51 --node-id 2 --key -\n/);
    const key = await node.run(['stat', '-c', '%a %U', '/etc/half/cluster.key'], { check: true });
    expect(key.stdout.trim()).toBe('600 root');
    // The key is in the file, not in debconf's database.
    const db = await node.run(['sh', '-c', 'grep -A3 "^Name: half-syncd/cluster-key" /var/cache/debconf/passwords.dat']);
    expect(db.stdout).toMatch(/Name: half-syncd\/cluster-key\nTemplate: half-syncd\/cluster-key\n(Value: \n|Owners)/);
  });

  it('writes files the real tools accept', async () => {
    const keepalived = await node.run(['keepalived', '--config-test', '-f', '/etc/keepalived/keepalived.conf']);
    expect(keepalived.exitCode, keepalived.stderr).toBe(0);
    const nft = await node.run(['nft', '-c', '-f', '/etc/half/half.nft']);
    expect(nft.exitCode, nft.stderr).toBe(0);
    const v4 = await node.run(['iptables-restore', '--test', '--noflush', '/etc/half/iptables.rules']);
    expect(v4.exitCode, v4.stderr).toBe(0);
    const v6 = await node.run(['ip6tables-restore', '--test', '--noflush', '/etc/half/ip6tables.rules']);
    expect(v6.exitCode, v6.stderr).toBe(0);
    const sysctl = await node.run(['sysctl', '-p', '/etc/sysctl.d/60-half.conf', '/usr/lib/sysctl.d/50-half-kernel.conf']);
    expect(sysctl.exitCode, sysctl.stderr).toBe(0);
    expect(sysctl.stdout).toContain('net.ipv6.conf.all.forwarding = 1');
  });

  it('changes nothing when postinst runs again, and keeps the admin\'s edits through dpkg-reconfigure', async () => {
    const before = await sums(node, GENERATED_FILES);
    const rerun = await node.run(['dpkg-reconfigure', 'half-syncd']);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect(await sums(node, GENERATED_FILES)).toBe(before);
    expect(rerun.stderr).not.toContain('half join'); // the key was kept, not made again

    await node.run(['sh', '-c', 'printf "\\n[daemon]\\npurge-delay = 30\\n" >> /etc/half/half.conf && echo "# my rule" >> /etc/half/half.nft'], { check: true });
    const edited = await node.run(['dpkg-reconfigure', 'half-syncd']);
    expect(edited.exitCode, edited.stderr).toBe(0);
    expect(await node.root.readFile('/etc/half/half.conf')).toContain('[daemon]\npurge-delay = 30\n');
    expect(await node.root.readFile('/etc/half/half.nft')).toMatch(/# my rule\n$/);
    expect(await node.exists('/etc/half/half.nft.half')).toBe(false); // HALF's own version did not change
    const configure = await node.run(['node', '/usr/lib/half/half-configure.js', 'configure']);
    expect(configure.exitCode, configure.stderr).toBe(0);
    expect(configure.stdout).toContain('kept your edited /etc/half/half.nft');
  });

  // a new key would cut the node off from the others without a word: the postinst reported only
  // unchanged files, and half-syncd was restarted with the new key
  it('refuses to make a new key for a configured primary whose key file is gone, and takes the key given', async () => {
    const key = await node.root.readFile('/etc/half/cluster.key');
    const hex = (/^[0-9a-f]{64}$/m.exec(key) as RegExpExecArray)[0];
    await node.run(['rm', '/etc/half/cluster.key'], { check: true });
    const again = await node.run(['dpkg', '-i', debs[1] as string]);
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toContain('half-syncd/cluster-key: /etc/half/cluster.key is gone, though HALF made it on this node (/var/lib/half-syncd/generated lists it): this node was set up, and a new key would cut it off from the other nodes');
    expect(again.stderr).toContain('fix: run `dpkg --configure -a` on a terminal to be asked half-syncd/cluster-key again');
    expect(await node.exists('/etc/half/cluster.key')).toBe(false);
    await node.preseed([['cluster-key', 'password', hex]]);
    const fixed = await node.run(['dpkg', '--configure', '-a']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(await node.root.readFile('/etc/half/cluster.key')).toContain(hex);
    expect(fixed.stderr).not.toContain('half join'); // no key was made
  });

  it('refuses to make a new key when /etc/half is gone whole (rm -rf /etc/half), and takes the key given', async () => {
    const key = await node.root.readFile('/etc/half/cluster.key');
    const hex = (/^[0-9a-f]{64}$/m.exec(key) as RegExpExecArray)[0];
    await node.run(['rm', '-rf', '/etc/half'], { check: true });
    const again = await node.run(['dpkg', '-i', debs[1] as string]);
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toContain('half-syncd/cluster-key: /etc/half/cluster.key is gone, though HALF made it on this node');
    expect(await node.exists('/etc/half/cluster.key')).toBe(false);
    await node.preseed([['cluster-key', 'password', hex]]);
    const fixed = await node.run(['dpkg', '--configure', '-a']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(await node.root.readFile('/etc/half/cluster.key')).toContain(hex);
    expect(await node.root.readFile('/etc/half/half.conf')).toContain('address = 203.0.113.1\n');
  });

  // the advice was to preseed the question and run dpkg --configure -a: config's suggest puts
  // half.conf's value back into debconf on every run, so that failed again; and under
  // dpkg-reconfigure the package is installed: dpkg --configure -a does nothing
  it('names the half.conf key to edit when the wrong value is half.conf\'s, and the advice works', async () => {
    const conf = await node.root.readFile('/etc/half/half.conf');
    const bad = conf.replace('eth1 = 198.51.100.254/24', 'eth1 = 198.51.100.254/33');
    expect(bad).not.toBe(conf);
    await node.root.writeFile('/etc/half/half.conf', bad);
    const failed = await node.run(['dpkg', '-i', debs[1] as string]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toContain('/etc/half/half.conf [vips]: eth1: "/33" is not a prefix length for IPv4');
    expect(failed.stderr).toContain('fix: edit [vips] in /etc/half/half.conf (its values are the answers\' defaults on every run, so debconf-set-selections cannot change them), then run `dpkg --configure -a`');
    await node.root.writeFile('/etc/half/half.conf', conf);
    const fixed = await node.run(['dpkg', '--configure', '-a']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);

    await node.root.writeFile('/etc/half/half.conf', bad);
    const reconfigure = await node.run(['dpkg-reconfigure', '-fnoninteractive', 'half-syncd']);
    expect(reconfigure.exitCode).not.toBe(0);
    expect(reconfigure.stderr).toContain('fix: edit [vips] in /etc/half/half.conf (its values are the answers\' defaults on every run, so debconf-set-selections cannot change them), then run `dpkg-reconfigure half-syncd` (or `half configure --apply`)');
    await node.root.writeFile('/etc/half/half.conf', conf);
    const again = await node.run(['dpkg-reconfigure', '-fnoninteractive', 'half-syncd']);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('keeps the configuration on remove and removes exactly what HALF wrote on purge', async () => {
    await node.root.writeFile('/etc/half/my-notes.txt', 'mine\n');
    // what a `half configure` killed part way leaves beside the files it replaces
    const leftovers = ['/etc/half/.half.conf.half-tmp-99999', '/etc/half/.half.nft.half-old-99999', '/etc/keepalived/.keepalived.conf.half-old-99999', '/etc/sysctl.d/.60-half.conf.half-tmp-99999'];
    for (const path of leftovers) await node.root.writeFile(path, 'left behind\n');
    const remove = await node.run(['dpkg', '--remove', 'half-syncd']);
    expect(remove.exitCode, remove.stderr).toBe(0);
    for (const path of GENERATED_FILES) expect(await node.exists(path), path).toBe(true);
    const purge = await node.run(['dpkg', '--purge', 'half-syncd']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    for (const path of [...GENERATED_FILES, ...leftovers, '/var/lib/half-syncd/generated']) expect(await node.exists(path), path).toBe(false);
    expect(await node.root.readFile('/etc/half/my-notes.txt')).toBe('mine\n');
    expect(await node.exists('/etc/keepalived/keepalived.conf.sample')).toBe(true); // keepalived's own
    expect(await node.exists('/usr/lib/sysctl.d/50-half-kernel.conf')).toBe(true); // half-kernel's
    const answers = await node.run(['sh', '-c', 'debconf-show half-syncd']);
    expect(answers.stdout.trim()).toBe('');
  });
});
