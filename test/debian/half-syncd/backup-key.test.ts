// A backup's cluster key is the first node's. A backup node whose key file went missing must not
// get a key of its own when its package is configured again (a reinstall, an upgrade): its sync
// frames would fail authentication on every other node, and failover would lose every flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { PRIMARY_PRESEED, type Preseed } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';

const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const BACKUP_PRESEED: Preseed = [
  ...PRIMARY_PRESEED.filter(([question]) => question !== 'role'),
  ['role', 'select', 'backup'],
  ['cluster-key', 'password', KEY],
];

let node: NodeMachine;
let debs: string[];
beforeAll(async () => {
  node = await nodeMachine('bookworm', 'bkey');
  debs = await node.put(await halfKernelDeb(), await halfSyncdDeb());
  await node.preseed(BACKUP_PRESEED);
}, 600_000);
afterAll(() => node?.cleanup());

describe('a backup node configured again', () => {
  it('without its key file is refused, naming the cluster key, and no key of its own is made', async () => {
    const install = await node.run(['dpkg', '-i', ...debs]);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(await node.root.readFile('/etc/half/cluster.key')).toContain(KEY);
    expect(await node.root.readFile('/etc/half/half.conf')).toContain('role = backup');

    await node.run(['rm', '/etc/half/cluster.key'], { check: true });
    const again = await node.run(['dpkg', '-i', debs[1] as string]);
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toContain('a backup node needs the cluster key of the first node');
    // not dpkg-reconfigure: it refuses a package left half-configured
    expect(again.stderr).toContain('fix: run `dpkg --configure -a` on a terminal to be asked half-syncd/cluster-key again, or set them with debconf-set-selections first');
    expect(again.stderr).not.toContain('dpkg-reconfigure');
    expect(await node.exists('/etc/half/cluster.key')).toBe(false);

    // the fix the message gives: the key as an answer, then the pending configuration
    await node.preseed([['cluster-key', 'password', KEY]]);
    const fixed = await node.run(['dpkg', '--configure', '-a']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(await node.root.readFile('/etc/half/cluster.key')).toContain(KEY);
  });

  it('names the file to edit when a line no question owns is wrong', async () => {
    const conf = await node.root.readFile('/etc/half/half.conf');
    await node.root.writeFile('/etc/half/half.conf', `${conf}\n[daemon]\npurge-delay = soon\n`);
    const again = await node.run(['dpkg', '-i', debs[1] as string]);
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toMatch(/half\.conf:\d+: daemon\.purge-delay/);
    expect(again.stderr).toContain('fix: edit /etc/half/half.conf where named (no debconf question owns those lines), then run `dpkg --configure -a`');
    await node.root.writeFile('/etc/half/half.conf', conf);
    const fixed = await node.run(['dpkg', '--configure', '-a']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
  });

  it('keeps a valid half.conf whose sync address is not on the machine now, and says so', async () => {
    // not refused: an upgrade must not fail while an interface is down or being renumbered
    const conf = await node.root.readFile('/etc/half/half.conf');
    const moved = conf.replace(/^address = .*$/m, 'address = 203.0.113.9');
    await node.root.writeFile('/etc/half/half.conf', moved);
    const again = await node.run(['dpkg', '-i', debs[1] as string]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await node.root.readFile('/etc/half/half.conf')).toBe(moved);
    const warning = '/etc/half/half.conf: [sync] address 203.0.113.9 is not on eth2 now (it has 203.0.113.1, fe80::';
    expect(again.stderr).toContain(warning);
    expect(again.stderr).toContain('half-syncd cannot sync without it (each start waits for it, then fails): add the address, or correct [sync] address');
    const configure = await node.run(['half', 'configure']);
    expect(configure.exitCode, configure.stderr).toBe(0);
    expect(configure.stdout).toContain(warning);
    await node.root.writeFile('/etc/half/half.conf', conf);
    const quiet = await node.run(['half', 'configure']);
    expect(quiet.stdout).not.toContain('NOTE:');
  });
});
