// Two nodes the way an admin builds a cluster: the first is installed from a preseed and, asked
// with `half configure --print-join`, prints what the second needs; the second is installed from exactly those debconf lines (node B), or
// installed bare and configured with the exact `half join` line (node C). All end up with the
// same key, VIPs and router id, as the backup, on their own end of the sync link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';

let first: NodeMachine;
let second: NodeMachine;
let third: NodeMachine;
let debs: string[];
let printed: string;
beforeAll(async () => {
  const [kernel, syncd] = await Promise.all([halfKernelDeb(), halfSyncdDeb()]);
  [first, second, third] = await Promise.all([
    nodeMachine('bookworm', 'one'),
    nodeMachine('bookworm', 'two', '203.0.113.2/30'),
    nodeMachine('bookworm', 'three', '203.0.113.2/30'),
  ]);
  debs = await first.put(kernel, syncd);
  await second.put(kernel, syncd);
  await third.put(kernel, syncd);
  await first.preseed(PRIMARY_PRESEED);
  const install = await first.run(['dpkg', '-i', ...debs]);
  expect(install.exitCode, install.stderr).toBe(0);
  // the install says where the line for the next node is; the line carries the key, so it is not
  // in the install's output (apt logs that)
  expect(install.stderr).toContain('half configure --print-join');
  printed = (await first.run(['half', 'configure', '--print-join'], { check: true })).stdout;
  expect(install.stderr).not.toContain(/printf '%s\\n' ([0-9a-f]{64}) \| half join/.exec(printed)?.[1] ?? 'no key printed');
});
afterAll(async () => {
  await Promise.all([first?.cleanup(), second?.cleanup(), third?.cleanup()]);
});

async function expectBackupOf(node: NodeMachine): Promise<void> {
  const conf = await node.root.readFile('/etc/half/half.conf');
  expect(conf).toContain('[node]\nid = 2\nrole = backup\n');
  expect(conf).toContain('[sync]\ninterface = eth2\naddress = 203.0.113.2\npeers = 203.0.113.1\n');
  expect(await node.root.readFile('/etc/half/cluster.key')).toBe(await first.root.readFile('/etc/half/cluster.key'));
  const mine = await node.root.readFile('/etc/keepalived/keepalived.conf');
  const theirs = await first.root.readFile('/etc/keepalived/keepalived.conf');
  expect(mine).toContain('priority 100');
  expect(theirs).toContain('priority 150');
  const ids = (text: string) => [...text.matchAll(/virtual_router_id (\d+)/g)].map((m) => m[1]);
  expect(ids(mine)).toEqual(ids(theirs));
  const check = await node.run(['keepalived', '--config-test', '-f', '/etc/keepalived/keepalived.conf']);
  expect(check.exitCode, check.stderr).toBe(0);
}

describe('the second node', () => {
  it('is configured by the debconf lines the first node prints', async () => {
    const lines = printed.split('\n').filter((l) => l.startsWith('  half-syncd half-syncd/')).map((l) => l.trim());
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['half-syncd/setup', 'half-syncd/role', 'half-syncd/node-id', 'half-syncd/sync-peers', 'half-syncd/vips', 'half-syncd/router-id', 'half-syncd/cluster-key']);
    await second.run(['debconf-set-selections'], { input: `${lines.join('\n')}\n`, check: true });
    const install = await second.run(['dpkg', '-i', ...debs]);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stderr).not.toContain('half join'); // a backup prints no join line
    await expectBackupOf(second);
  });

  it('is configured by the `half join` line the first node prints', async () => {
    const bare = await third.run(['dpkg', '-i', ...debs]);
    expect(bare.exitCode, bare.stderr).toBe(0);
    const line = /^\s+(printf .* \| half join .*)$/m.exec(printed)?.[1];
    expect(line).toBeDefined();
    // run by the node's sh exactly as printed: the key reaches half join on its standard input,
    // never in a command's arguments (ps shows them to every local user)
    expect(line).toMatch(/ \| half join .* --key -$/);
    const join = await third.run(['sh', '-c', line as string]);
    expect(join.exitCode, join.stderr).toBe(0);
    expect(join.stderr).not.toContain('--key HEX shows the cluster key');
    await expectBackupOf(third);
  });
});
