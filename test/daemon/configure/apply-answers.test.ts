import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyAnswers } from '../../../daemon/src/configure/apply-answers.js';
import { NodeFileError } from '../../../daemon/src/errors.js';
import { parseRegistry } from '../../../daemon/src/configure/generated-registry.js';
import { nodePaths } from '../../../daemon/src/configure/node-paths.js';
import { loadClusterKey } from '../../../daemon/src/config/cluster-key.js';
import { capturedFirewall } from './helpers/facts.js';
import { CLUSTER_KEY_HEX, nodeRoot, type NodeRoot } from './helpers/node-root.js';

const answers = {
  setup: 'true',
  role: 'primary',
  'node-id': '1',
  'sync-interface': 'eth2',
  'sync-address': '203.0.113.1',
  'sync-peers': '203.0.113.2',
  vips: 'eth0=192.0.2.254/24 eth1=198.51.100.254/24',
  'router-id': '51',
  'cluster-key': '',
};
const random = () => new Uint8Array(32).fill(0xab);
let root: NodeRoot;
beforeEach(async () => {
  root = await nodeRoot();
});
afterEach(() => root?.cleanup());

describe('applyAnswers', () => {
  it('writes half.conf, makes a key on the first node, renders the node and registers what it created', async () => {
    const result = await applyAnswers(answers, { paths: nodePaths(root.dir), facts: capturedFirewall(), random });
    expect(result.ok && result.keyGenerated).toBe(true);
    expect(Buffer.from(await loadClusterKey(root.at('/etc/half/cluster.key'))).toString('hex')).toBe('ab'.repeat(32));
    expect((await stat(root.at('/etc/half/cluster.key'))).mode & 0o777).toBe(0o600);
    expect(await root.read('/etc/half/half.conf')).toContain('[sync]\ninterface = eth2\naddress = 203.0.113.1\npeers = 203.0.113.2\n');
    const registered = [...parseRegistry(await root.read('/var/lib/half-syncd/generated')).keys()].sort(); // as the node names them, whatever the root
    expect(registered).toEqual(['/etc/half/cluster.key', '/etc/half/half.conf', '/etc/half/half.nft', '/etc/half/ip6tables.rules', '/etc/half/iptables.rules', '/etc/keepalived/keepalived.conf', '/etc/sysctl.d/60-half.conf']);

    // Applying the same answers again (an upgrade, a re-run postinst) changes nothing and keeps the key.
    const again = await applyAnswers(answers, { paths: nodePaths(root.dir), facts: capturedFirewall(), random: () => new Uint8Array(32).fill(1) });
    expect(again.ok && again.keyGenerated).toBe(false);
    expect(again.ok && again.report.changed).toEqual([]);
    expect(Buffer.from(await loadClusterKey(root.at('/etc/half/cluster.key'))).toString('hex')).toBe('ab'.repeat(32));
  });

  // a new key would cut a configured node off from the others, silently: the postinst reported
  // only unchanged files, and restarted half-syncd with the new key
  it('refuses to make a new key when the key it made for this half.conf is gone, and takes the key given', async () => {
    const paths = nodePaths(root.dir);
    expect((await applyAnswers(answers, { paths, facts: capturedFirewall(), random })).ok).toBe(true);
    await rm(root.at('/etc/half/cluster.key'));
    const lost = await applyAnswers(answers, { paths, facts: capturedFirewall(), random: () => new Uint8Array(32).fill(1) });
    expect(lost).toEqual({ ok: false, problems: [{ question: 'cluster-key', message: expect.stringMatching(/^\/etc\/half\/cluster\.key is gone, though HALF made it on this node \(\/var\/lib\/half-syncd\/generated lists it\): this node was set up, and a new key would cut it off from the other nodes; copy the file from another node/) }] });
    expect(await root.exists('/etc/half/cluster.key')).toBe(false);
    const given = await applyAnswers({ ...answers, 'cluster-key': 'ab'.repeat(32) }, { paths, facts: capturedFirewall(), random });
    expect(given.ok && given.keyGenerated).toBe(false);
    expect(Buffer.from(await loadClusterKey(root.at('/etc/half/cluster.key'))).toString('hex')).toBe('ab'.repeat(32));
  });

  // `rm -rf /etc/half` takes half.conf with the key: the registry still says HALF made the key
  it('refuses to make a new key when /etc/half is gone whole but the registry lists the key', async () => {
    const paths = nodePaths(root.dir);
    expect((await applyAnswers(answers, { paths, facts: capturedFirewall(), random })).ok).toBe(true);
    await rm(root.at('/etc/half'), { recursive: true });
    const lost = await applyAnswers(answers, { paths, facts: capturedFirewall(), random: () => new Uint8Array(32).fill(1) });
    expect(lost).toEqual({ ok: false, problems: [{ question: 'cluster-key', message: expect.stringContaining('/etc/half/cluster.key is gone, though HALF made it on this node') }] });
    expect(await root.exists('/etc/half/cluster.key')).toBe(false);
    expect(await root.exists('/etc/half/half.conf')).toBe(false);
    const given = await applyAnswers({ ...answers, 'cluster-key': 'ab'.repeat(32) }, { paths, facts: capturedFirewall(), random });
    expect(given.ok && given.keyGenerated).toBe(false);
    expect(Buffer.from(await loadClusterKey(root.at('/etc/half/cluster.key'))).toString('hex')).toBe('ab'.repeat(32));
  });

  it('makes a key for an admin\'s own half.conf that has none yet (HALF never made one for it)', async () => {
    await root.write('/etc/half/half.conf', '# mine\n[node]\nid = 1\nrole = primary\n');
    const result = await applyAnswers(answers, { paths: nodePaths(root.dir), facts: capturedFirewall(), random });
    expect(result.ok && result.keyGenerated).toBe(true);
  });

  it('keeps an admin\'s half.conf (and does not register it), editing only the answered keys', async () => {
    await root.write('/etc/half/half.conf', '# mine\n[node]\nid = 1\nrole = primary\n\n[daemon]\npurge-delay = 10\n');
    await root.write('/etc/half/cluster.key', `${CLUSTER_KEY_HEX}\n`, 0o600);
    const result = await applyAnswers(answers, { paths: nodePaths(root.dir), facts: capturedFirewall(), random });
    expect(result.ok && result.keyGenerated).toBe(false);
    const conf = await root.read('/etc/half/half.conf');
    expect(conf.startsWith('# mine\n[node]\nid = 1\nrole = primary\n\n[daemon]\npurge-delay = 10\n')).toBe(true);
    const registry = parseRegistry(await root.read('/var/lib/half-syncd/generated'));
    expect(registry.has('/etc/half/half.conf')).toBe(false);
    expect(registry.has('/etc/half/cluster.key')).toBe(false);
  });

  it('writes nothing when one of the rendered files cannot be written', async () => {
    await root.write('/etc/keepalived', 'not a folder\n'); // keepalived.conf cannot be staged below it
    const failed = applyAnswers(answers, { paths: nodePaths(root.dir), facts: capturedFirewall(), random });
    await expect(failed).rejects.toThrow(NodeFileError);
    await expect(failed).rejects.toThrow(`could not read ${root.at('/etc/keepalived/keepalived.conf')}: ENOTDIR`);
    for (const path of ['/etc/half/half.conf', '/etc/half/cluster.key', '/var/lib/half-syncd/generated', '/etc/half/half.nft', '/etc/sysctl.d/60-half.conf']) expect(await root.exists(path), path).toBe(false);
  });

  it('writes nothing when a file cannot be staged, and says which', async () => {
    // the staging name of half.nft is taken by a folder: that open(2) fails after others were staged
    await mkdir(root.at(`/etc/half/.half.nft.half-tmp-${process.pid}`), { recursive: true });
    const failed = applyAnswers(answers, { paths: nodePaths(root.dir), facts: capturedFirewall(), random });
    await expect(failed).rejects.toThrow(NodeFileError);
    await expect(failed).rejects.toThrow(`could not write ${root.at('/etc/half/half.nft')}: EISDIR`);
    for (const path of ['/etc/half/half.conf', '/etc/half/cluster.key', '/var/lib/half-syncd/generated', '/etc/keepalived/keepalived.conf']) expect(await root.exists(path), path).toBe(false);
    expect((await readdir(root.at('/etc/half'))).filter((name) => name.includes('half-tmp') && !name.startsWith('.half.nft'))).toEqual([]);
  });

  it('writes nothing when an answer is bad', async () => {
    const result = await applyAnswers({ ...answers, 'sync-address': '203.0.113.9' }, { paths: nodePaths(root.dir), facts: capturedFirewall(), random });
    expect(result).toEqual({ ok: false, problems: [{ question: 'sync-address', message: expect.stringContaining('203.0.113.9 is not an address of this machine') }] });
    for (const path of ['/etc/half/half.conf', '/etc/half/cluster.key', '/var/lib/half-syncd/generated', '/etc/keepalived/keepalived.conf']) expect(await root.exists(path)).toBe(false);
  });

  it('takes a given key for a backup node and refuses a backup without one', async () => {
    const backup = { ...answers, role: 'backup', 'node-id': '2' };
    const refused = await applyAnswers(backup, { paths: nodePaths(root.dir), facts: capturedFirewall(), random });
    expect(refused.ok).toBe(false);
    const result = await applyAnswers({ ...backup, 'cluster-key': CLUSTER_KEY_HEX }, { paths: nodePaths(root.dir), facts: capturedFirewall(), random });
    expect(result.ok && result.keyGenerated).toBe(false);
    expect(Buffer.from(await loadClusterKey(root.at('/etc/half/cluster.key'))).toString('hex')).toBe(CLUSTER_KEY_HEX);
    expect(await root.read('/etc/keepalived/keepalived.conf')).toContain('priority 100');
  });
});
