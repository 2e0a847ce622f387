// half.conf's key-file may point outside /etc/half. A cluster key HALF made there is a secret it
// wrote, and purge takes it away with HALF's other files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';

const ELSEWHERE = '/etc/ssl/private/half-cluster.key';

let node: NodeMachine;
beforeAll(async () => {
  node = await nodeMachine('bookworm', 'kelse');
  const debs = await node.put(await halfKernelDeb(), await halfSyncdDeb());
  await node.preseed(PRIMARY_PRESEED);
  const install = await node.run(['dpkg', '-i', ...debs]);
  expect(install.exitCode, install.stderr).toBe(0);
}, 600_000);
afterAll(() => node?.cleanup());

describe('a cluster key HALF made outside /etc/half', () => {
  it('goes on purge, and a key file the admin made there stays', async () => {
    const conf = await node.root.readFile('/etc/half/half.conf');
    await node.root.writeFile('/etc/half/half.conf', conf.replace('[sync]\n', `[sync]\nkey-file = ${ELSEWHERE}\n`));
    const reconfigure = await node.run(['dpkg-reconfigure', '-f', 'noninteractive', 'half-syncd']);
    expect(reconfigure.exitCode, reconfigure.stderr).toBe(0);
    expect(await node.root.readFile(ELSEWHERE)).toMatch(/^# HALF cluster key: /);
    expect(await node.root.readFile('/var/lib/half-syncd/generated')).toContain(`  ${ELSEWHERE}\n`);
    // the admin's own key, in the same folder, in HALF's format but not made by HALF
    await node.root.writeFile('/etc/ssl/private/other.key', await node.root.readFile(ELSEWHERE));

    const purge = await node.run(['dpkg', '--purge', 'half-syncd']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    expect(await node.exists(ELSEWHERE)).toBe(false);
    expect(await node.exists('/etc/half/cluster.key')).toBe(false);
    expect(await node.exists('/etc/ssl/private/other.key')).toBe(true);
  });
});
