// An admin's own keepalived.conf on the node before HALF arrives: the preseeded install leaves
// it alone, writes HALF's version beside it and says so; purge takes HALF's version away and
// leaves the admin's file exactly as it was (and an /etc/half symlinked to the admin's folder).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';

const MINE = `# the admin's own VRRP setup
vrrp_instance mine {
    state BACKUP
    interface eth0
    virtual_router_id 7
    priority 10
    virtual_ipaddress {
        192.0.2.200/24
    }
}
`;

let node: NodeMachine;
let install: { exitCode: number; stdout: string; stderr: string };
beforeAll(async () => {
  node = await nodeMachine('bookworm', 'adminka');
  const debs = await node.put(await halfKernelDeb(), await halfSyncdDeb());
  await node.root.writeFile('/etc/keepalived/keepalived.conf', MINE);
  await node.preseed(PRIMARY_PRESEED);
  install = await node.run(['dpkg', '-i', ...debs]);
});
afterAll(() => node?.cleanup());

describe('an admin\'s own keepalived.conf', () => {
  it('is left alone; HALF\'s version goes beside it, with a clear message', async () => {
    expect(install.exitCode, install.stderr).toBe(0);
    expect(await node.root.readFile('/etc/keepalived/keepalived.conf')).toBe(MINE);
    expect(await node.root.readFile('/etc/keepalived/keepalived.conf.half')).toContain('vrrp_sync_group HALF');
    expect(install.stderr).toContain('/etc/keepalived/keepalived.conf was not written by HALF, so it was left alone; HALF\'s version is /etc/keepalived/keepalived.conf.half');
    const check = await node.run(['keepalived', '--config-test', '-f', '/etc/keepalived/keepalived.conf.half']);
    expect(check.exitCode, check.stderr).toBe(0);
  });

  it('survives purge untouched, while HALF\'s files go', async () => {
    const purge = await node.run(['dpkg', '--purge', 'half-syncd']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    // the purge runs once: a second run (debconf's restart of postrm) found no registry and named
    // the admin's own file among those "HALF wrote"
    expect(purge.stderr).not.toContain('no record of the files HALF generated');
    expect(await node.root.readFile('/etc/keepalived/keepalived.conf')).toBe(MINE);
    for (const path of ['/etc/keepalived/keepalived.conf.half', '/etc/half/half.conf', '/etc/half/half.nft', '/etc/sysctl.d/60-half.conf']) {
      expect(await node.exists(path), path).toBe(false);
    }
    expect(await node.exists('/etc/half')).toBe(false);
  });
});

describe('an /etc/half that is a symlink to the admin\'s own folder', () => {
  let linked: NodeMachine;
  beforeAll(async () => {
    linked = await nodeMachine('bookworm', 'adminln');
    const debs = await linked.put(await halfKernelDeb(), await halfSyncdDeb());
    await linked.run(['sh', '-c', 'mkdir -p /srv/config/half && ln -s /srv/config/half /etc/half'], { check: true });
    await linked.preseed(PRIMARY_PRESEED);
    const installed = await linked.run(['dpkg', '-i', ...debs]);
    expect(installed.exitCode, installed.stderr).toBe(0);
  });
  afterAll(() => linked?.cleanup());

  it('survives purge, which takes HALF\'s files out of it and succeeds', async () => {
    expect(await linked.exists('/srv/config/half/half.conf')).toBe(true);
    const purge = await linked.run(['dpkg', '--purge', 'half-syncd']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    expect((await linked.run(['test', '-L', '/etc/half'])).exitCode, 'the symlink stays').toBe(0);
    expect(await linked.exists('/srv/config/half/half.conf')).toBe(false);
  });
});
