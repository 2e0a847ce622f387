// An upgrade whose configure step is refused (here: HALF's nftables file replaced by a folder, so
// it cannot be written; in the field, keepalived --config-test refusing the new rendering): the
// package stays unconfigured (dpkg fails, the admin sees why), nothing is written, and yet the
// running half-syncd, the old release whose helper files dpkg has replaced, is restarted, since
// the new one accepts half.conf as it is. With a half.conf the new half-syncd refuses, the
// service is left as it was. Once fixed, the upgrade completes with a restart, and a reconfigure
// of the same release that writes nothing does not restart (it would empty a standby's copy of
// its peers' connections). systemd is stood in for by stubs that log what they are asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';

const OLD = '0.0.9';
const STUBS = [
  'mkdir -p /run/systemd/system',
  'printf \'#!/bin/sh\\necho "deb-systemd-invoke $*" >> /root/systemd.log\\n\' > /usr/local/sbin/deb-systemd-invoke',
  'printf \'#!/bin/sh\\necho "systemctl $*" >> /root/systemd.log\\ncase "$*" in *is-active*) exit 3;; esac\\nexit 0\\n\' > /usr/local/sbin/systemctl',
  'chmod 0755 /usr/local/sbin/deb-systemd-invoke /usr/local/sbin/systemctl',
].join(' && ');

let node: NodeMachine;
let newPath: string;
beforeAll(async () => {
  node = await nodeMachine('bookworm', 'refused');
  const [kernel, old, current] = await Promise.all([halfKernelDeb(), halfSyncdDeb(OLD), halfSyncdDeb()]);
  const paths = await node.put(kernel, old, current);
  newPath = paths[2] as string;
  await node.preseed(PRIMARY_PRESEED);
  const first = await node.run(['dpkg', '-i', paths[0] as string, paths[1] as string]);
  expect(first.exitCode, first.stderr).toBe(0);
  await node.run(STUBS, { check: true });
});
afterAll(() => node?.cleanup());

describe('an upgrade whose configure step is refused', () => {
  it('fails, writes nothing, and restarts half-syncd when the new one accepts half.conf', async () => {
    await node.run('rm /etc/half/half.nft && mkdir /etc/half/half.nft && : > /root/systemd.log', { check: true });
    const conf = await node.root.readFile('/etc/half/half.conf');
    const upgrade = await node.run(['dpkg', '-i', newPath]);
    expect(upgrade.exitCode).not.toBe(0);
    expect(upgrade.stderr).toContain('half-syncd: this node could not be configured (reasons above); nothing was changed');
    expect(await node.root.readFile('/etc/half/half.conf')).toBe(conf);
    const log = await node.root.readFile('/root/systemd.log');
    expect(log).toContain('systemctl --system daemon-reload');
    expect(log).toContain('deb-systemd-invoke restart half-syncd.service');
  });

  it('leaves the service as it was when the new half-syncd refuses half.conf', async () => {
    await node.run(': > /root/systemd.log && printf "\\n[daemon]\\nmode = mirror\\n" >> /etc/half/half.conf', { check: true });
    const again = await node.run(['dpkg', '--configure', '-a']);
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toContain('this half-syncd does not accept /etc/half/half.conf (half-syncd --check says why): the service is left as it was');
    const log = await node.root.readFile('/root/systemd.log');
    expect(log).not.toContain('deb-systemd-invoke restart half-syncd.service');
  });

  it('once half.conf is fixed, completes the upgrade with a restart; a reconfigure that writes nothing only makes sure it runs', async () => {
    await node.run(': > /root/systemd.log && sed -i "/^mode = mirror$/d" /etc/half/half.conf && rmdir /etc/half/half.nft', { check: true });
    const fixed = await node.run(['dpkg', '--configure', '-a']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(await node.root.readFile('/root/systemd.log')).toContain('deb-systemd-invoke restart half-syncd.service');
    await node.run(': > /root/systemd.log', { check: true });
    const reconfigure = await node.run(['dpkg-reconfigure', '-f', 'noninteractive', 'half-syncd']);
    expect(reconfigure.exitCode, reconfigure.stderr).toBe(0);
    const log = await node.root.readFile('/root/systemd.log');
    expect(log).toContain('deb-systemd-invoke start half-syncd.service');
    expect(log).not.toContain('restart half-syncd');
  });
});
