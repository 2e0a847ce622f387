// `half configure` on a throw-away root: the files keepalived, nft and iptables-restore read are
// written, pass the real tools' checks inside a namespace shaped like the node, and are never
// written over an admin's own or edited file.
import { cp, readdir, rm, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureNode } from '../../../daemon/src/configure/configure-node.js';
import { parseRegistry, sha256Hex } from '../../../daemon/src/configure/generated-registry.js';
import { nodePaths } from '../../../daemon/src/configure/node-paths.js';
import { nftFileBeside } from '../../../daemon/src/config/node-files.js';
import { HalfConfError } from '../../../daemon/src/config/config-error.js';
import { NodeFileError } from '../../../daemon/src/errors.js';
import { firewallNamespace, type FirewallNs } from './helpers/firewall-ns.js';
import { configuredPrimary, nodeRoot, PRIMARY_CONF, type NodeRoot } from './helpers/node-root.js';

const RENDERED = ['/etc/keepalived/keepalived.conf', '/etc/half/half.nft', '/etc/half/iptables.rules', '/etc/half/ip6tables.rules', '/etc/sysctl.d/60-half.conf'];
let fw: FirewallNs;
let root: NodeRoot;
beforeAll(async () => {
  fw = await firewallNamespace('configure');
});
afterAll(() => fw?.cleanup());
beforeEach(async () => {
  root = await nodeRoot();
});
afterEach(() => root?.cleanup());

describe('configureNode', () => {
  it('renders every file, registers it, and the real tools accept them in the node\'s namespace', async () => {
    await configuredPrimary(root);
    const report = await configureNode(nodePaths(root.dir));
    expect(report.changed).toEqual(RENDERED.map((p) => root.at(p)));
    const registry = parseRegistry(await root.read('/var/lib/half-syncd/generated'));
    for (const path of RENDERED) expect(registry.get(path)).toEqual(new Set([sha256Hex(await root.read(path))]));
    expect(await root.read('/etc/keepalived/keepalived.conf')).toContain('rendered from /etc/half/half.conf');

    const keepalived = await fw.exec(['keepalived', '--config-test', '-f', root.at('/etc/keepalived/keepalived.conf')]);
    expect(keepalived.exitCode, keepalived.stderr).toBe(0);
    const nft = await fw.exec(['nft', '-c', '-f', root.at('/etc/half/half.nft')]);
    expect(nft.exitCode, nft.stderr).toBe(0);
    const v4 = await fw.exec(['iptables-restore', '--test', '--noflush', root.at('/etc/half/iptables.rules')]);
    expect(v4.exitCode, v4.stderr).toBe(0);
    const v6 = await fw.exec(['ip6tables-restore', '--test', '--noflush', root.at('/etc/half/ip6tables.rules')]);
    expect(v6.exitCode, v6.stderr).toBe(0);
    const sysctl = await fw.exec(['sysctl', '-p', root.at('/etc/sysctl.d/60-half.conf')]);
    expect(sysctl.exitCode, sysctl.stderr).toBe(0);
    expect(sysctl.stdout).toContain('net.netfilter.nf_conntrack_tcp_be_liberal = 1');

    const again = await configureNode(nodePaths(root.dir));
    expect(again.changed).toEqual([]);
    expect(again.outcomes.every((o) => o.outcome === 'unchanged')).toBe(true);
  });

  it('writes half.nft beside a half.conf kept elsewhere (--config), where half-syncd loads it from', async () => {
    await configuredPrimary(root);
    await root.write('/srv/half/half.conf', await root.read('/etc/half/half.conf'));
    const report = await configureNode(nodePaths(root.dir, '/srv/half/half.conf'));
    expect(report.changed).toContain(root.at(nftFileBeside('/srv/half/half.conf')));
    expect(await root.read('/srv/half/half.nft')).toContain('table inet half');
    expect(report.changed).not.toContain(root.at('/etc/half/half.nft'));
  });

  it('leaves an admin\'s keepalived.conf alone and writes keepalived.conf.half beside it', async () => {
    await configuredPrimary(root);
    const mine = '# my own VRRP setup\nglobal_defs {\n}\n';
    await root.write('/etc/keepalived/keepalived.conf', mine);
    const report = await configureNode(nodePaths(root.dir));
    expect(await root.read('/etc/keepalived/keepalived.conf')).toBe(mine);
    expect(await root.read('/etc/keepalived/keepalived.conf.half')).toContain('vrrp_sync_group HALF');
    expect(report.messages).toEqual([expect.stringContaining('/etc/keepalived/keepalived.conf was not written by HALF, so it was left alone')]);
    const registry = parseRegistry(await root.read('/var/lib/half-syncd/generated'));
    expect(registry.has('/etc/keepalived/keepalived.conf')).toBe(false);
    expect(registry.has('/etc/keepalived/keepalived.conf.half')).toBe(true);
  });

  it('still knows its files in an image configured below another root and copied elsewhere', async () => {
    await configuredPrimary(root);
    await configureNode(nodePaths(root.dir));
    const image = await nodeRoot();
    try {
      await cp(root.dir, image.dir, { recursive: true });
      await image.write('/etc/half/half.conf', PRIMARY_CONF.replace('role = primary', 'role = backup'));
      // named relatively, with a doubled slash: the same root
      const report = await configureNode(nodePaths(`./${relative(process.cwd(), image.dir)}//`));
      expect(report.messages).toEqual([]);
      expect(report.changed).toContain(image.at('/etc/keepalived/keepalived.conf'));
      expect(await image.read('/etc/keepalived/keepalived.conf')).toContain('priority 100');
      expect(await image.exists('/etc/keepalived/keepalived.conf.half')).toBe(false);
      // postrm reads the node's paths: every file is listed as the booted node names it
      expect([...parseRegistry(await image.read('/var/lib/half-syncd/generated')).keys()].sort()).toEqual([...RENDERED].sort());
    } finally {
      await image.cleanup();
    }
  });

  it('keeps a local edit across a change of half.conf, and puts the new version beside it', async () => {
    await configuredPrimary(root);
    await configureNode(nodePaths(root.dir));
    const edited = `${await root.read('/etc/half/half.nft')}# local tweak\n`;
    await root.write('/etc/half/half.nft', edited);
    expect((await configureNode(nodePaths(root.dir))).changed).toEqual([]);
    await root.write('/etc/half/half.conf', PRIMARY_CONF.replace('peers = 203.0.113.2', 'peers = 203.0.113.2 203.0.113.3'));
    const report = await configureNode(nodePaths(root.dir));
    expect(await root.read('/etc/half/half.nft')).toBe(edited);
    expect(await root.read('/etc/half/half.nft.half')).toContain('203.0.113.3');
    expect(await root.read('/etc/keepalived/keepalived.conf')).not.toContain('203.0.113.3'); // adverts on the VIP interfaces
    expect(report.changed).toContain(root.at('/etc/half/half.nft.half'));
    expect(report.messages).toEqual([expect.stringContaining('/etc/half/half.nft was changed locally')]);
  });

  it('reads the registry where earlier builds kept it (in half-syncd\'s state folder) and moves it out', async () => {
    await configuredPrimary(root);
    await configureNode(nodePaths(root.dir));
    const edited = `${await root.read('/etc/half/half.nft')}# local tweak\n`;
    await root.write('/etc/half/half.nft', edited);
    await root.write('/var/lib/half/generated', await root.read('/var/lib/half-syncd/generated'));
    await rm(root.at('/var/lib/half-syncd/generated'));
    await root.write('/etc/half/half.conf', PRIMARY_CONF.replace('peers = 203.0.113.2', 'peers = 203.0.113.2 203.0.113.3'));
    const report = await configureNode(nodePaths(root.dir));
    // HALF's files are still known as HALF's: the edited one is "changed locally", not foreign
    expect(report.messages).toEqual([expect.stringContaining('/etc/half/half.nft was changed locally')]);
    expect(await root.read('/etc/half/iptables.rules')).toContain('203.0.113.3');
    expect(await root.exists('/var/lib/half/generated')).toBe(false);
    const registry = parseRegistry(await root.read('/var/lib/half-syncd/generated'));
    expect(registry.get('/etc/half/iptables.rules')).toEqual(new Set([sha256Hex(await root.read('/etc/half/iptables.rules'))]));
    expect(registry.has('/etc/half/half.nft.half')).toBe(true);
  });

  it('trusts the hashes of both registries when an earlier build left its own beside this one (a downgrade, then an upgrade)', async () => {
    await configuredPrimary(root);
    await configureNode(nodePaths(root.dir));
    const stale = await root.read('/var/lib/half-syncd/generated');
    // the earlier build rendered other peers and noted that in its own registry only
    await root.write('/etc/half/half.conf', PRIMARY_CONF.replace('peers = 203.0.113.2', 'peers = 203.0.113.2 203.0.113.3'));
    await configureNode(nodePaths(root.dir));
    await root.write('/var/lib/half/generated', await root.read('/var/lib/half-syncd/generated'));
    await root.write('/var/lib/half-syncd/generated', stale);
    await root.write('/etc/half/half.conf', PRIMARY_CONF);
    const report = await configureNode(nodePaths(root.dir));
    expect(report.messages).toEqual([]); // every file is HALF's, none "changed locally"
    expect(await root.read('/etc/half/iptables.rules')).not.toContain('203.0.113.3');
    expect(await root.exists('/etc/half/iptables.rules.half')).toBe(false);
    expect(await root.exists('/var/lib/half/generated')).toBe(false);
  });

  it('writes nothing at all from an invalid half.conf or an unusable key file', async () => {
    await configuredPrimary(root, PRIMARY_CONF.replace('eth1 = 198.51.100.254/24', 'eth1 = 198.51.100.254/99'));
    await expect(configureNode(nodePaths(root.dir))).rejects.toThrow(HalfConfError);
    await expect(configureNode(nodePaths(root.dir))).rejects.toThrow(/\/etc\/half\/half\.conf:12: vips\.eth1:/);
    await configuredPrimary(root);
    await root.write('/etc/half/cluster.key', 'abcd\n', 0o644);
    await expect(configureNode(nodePaths(root.dir))).rejects.toThrow(/has mode 0644: others can read the cluster key/);
    for (const path of [...RENDERED, '/var/lib/half-syncd/generated']) expect(await root.exists(path)).toBe(false);
  });

  it('refuses a half.conf that is not UTF-8, naming the line, and writes nothing', async () => {
    await configuredPrimary(root);
    const text = `${await root.read('/etc/half/half.conf')}# caf\u00e9\n`;
    await writeFile(root.at('/etc/half/half.conf'), Buffer.from(text, 'latin1')); // é as the one byte 0xE9
    const line = text.split('\n').length - 1;
    await expect(configureNode(nodePaths(root.dir))).rejects.toThrow(`/etc/half/half.conf:${line}: has bytes that are not UTF-8`);
    for (const path of [...RENDERED, '/var/lib/half-syncd/generated']) expect(await root.exists(path)).toBe(false);
  });

  it('changes no file when one of them cannot be replaced (an immutable file), and says which', async () => {
    await configuredPrimary(root);
    await configureNode(nodePaths(root.dir));
    const before = new Map<string, string>();
    for (const path of [...RENDERED, '/var/lib/half-syncd/generated']) before.set(path, await root.read(path));
    await root.write('/etc/half/half.conf', PRIMARY_CONF.replace('peers = 203.0.113.2', 'peers = 203.0.113.2\nport = 3790'));
    // rendered after keepalived.conf and half.nft (ip6tables.rules, of an IPv4-only cluster, does not change)
    const stuck = root.at('/etc/half/iptables.rules');
    await execa('chattr', ['+i', stuck]);
    try {
      const error = await configureNode(nodePaths(root.dir)).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(NodeFileError);
      expect((error as NodeFileError).message).toBe(`could not put ${stuck} in place: EPERM`);
      expect((error as NodeFileError).hint).toMatch(/^nothing was changed .*make .*\/iptables\.rules replaceable/);
      for (const [path, text] of before) expect(await root.read(path), path).toBe(text);
      const leftovers = (await readdir(root.at('/etc/half'))).filter((name) => name.includes('.half-'));
      expect(leftovers).toEqual([]);
    } finally {
      await execa('chattr', ['-i', stuck]);
    }
    const report = await configureNode(nodePaths(root.dir));
    expect(report.changed).toEqual(expect.arrayContaining([root.at('/etc/half/half.nft'), stuck]));
    expect(await root.read('/etc/half/iptables.rules')).toContain('3790');
  });

  it('clears the temporary and backup files a killed run left beside the files it renders', async () => {
    await configuredPrimary(root);
    await configureNode(nodePaths(root.dir));
    const exited = execa('true');
    const gone = exited.pid as number; // a process that has exited
    await exited;
    const leftovers = [`/etc/half/.half.nft.half-old-${gone}`, `/etc/half/.iptables.rules.half-tmp-${gone}`];
    for (const path of leftovers) await root.write(path, 'left by a killed half configure');
    await root.write('/etc/half/half.conf', PRIMARY_CONF.replace('peers = 203.0.113.2', 'peers = 203.0.113.2\nport = 3790'));
    await configureNode(nodePaths(root.dir));
    for (const path of leftovers) expect(await root.exists(path), path).toBe(false);
  });

  it('says how to finish when the node has no half.conf', async () => {
    await expect(configureNode(nodePaths(root.dir))).rejects.toThrow(/\/etc\/half\/half\.conf: does not exist: this node is not configured yet.*dpkg-reconfigure half-syncd/s);
  });
});
