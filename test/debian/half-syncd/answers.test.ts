// Bad debconf answers: non-interactive, the install fails with the reason and writes nothing,
// and succeeds once the answer is fixed; interactive (debconf's teletype frontend reading the
// admin's typing from stdin), the error is shown and only the wrong question is asked again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { GENERATED_FILES, PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';

let batch: NodeMachine;
let human: NodeMachine;
let critical: NodeMachine;
let debs: string[];
beforeAll(async () => {
  const [kernel, syncd] = await Promise.all([halfKernelDeb(), halfSyncdDeb()]);
  [batch, human, critical] = await Promise.all([nodeMachine('bookworm', 'badbatch'), nodeMachine('bookworm', 'badhuman'), nodeMachine('bookworm', 'badcrit')]);
  debs = await batch.put(kernel, syncd);
  await human.put(kernel, syncd);
  await critical.put(kernel, syncd);
});
afterAll(async () => {
  await Promise.all([batch?.cleanup(), human?.cleanup(), critical?.cleanup()]);
});

describe('bad answers', () => {
  it('fail a non-interactive configure with the reason and nothing written, until fixed', async () => {
    await batch.preseed(PRIMARY_PRESEED.map(([q, t, v]) => (q === 'sync-address' ? [q, t, '203.0.113.9'] : q === 'vips' ? [q, t, 'eth0=192.0.2.254/33'] : [q, t, v])));
    const failed = await batch.run(['dpkg', '-i', ...debs]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toContain('half-syncd/sync-address: 203.0.113.9 is not an address of this machine (eth2 has 203.0.113.1');
    expect(failed.stderr).toContain('half-syncd/vips: eth0: "/33" is not a prefix length for IPv4');
    for (const path of [...GENERATED_FILES, '/var/lib/half-syncd/generated']) expect(await batch.exists(path), path).toBe(false);
    const status = await batch.run(['dpkg-query', '-W', '-f=${Status}', 'half-syncd']);
    expect(status.stdout).toBe('install ok half-configured');

    await batch.preseed(PRIMARY_PRESEED);
    const fixed = await batch.run(['dpkg', '--configure', '-a']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(await batch.root.readFile('/etc/half/half.conf')).toContain('address = 203.0.113.1\n');
  });

  it('are shown to an admin at the terminal, and only the wrong question is asked again', async () => {
    // At debconf's default priority (high) the node number and the router id (medium) are not
    // asked: they take their defaults (1 for a primary, 51).
    const typed = [
      'yes', // configure now?
      '1', // primary
      'eth2',
      '203.0.113.77', // not on this machine
      '203.0.113.2',
      'eth0=192.0.2.254/24 eth1=198.51.100.254/24',
      '', // cluster key: make one
      '203.0.113.1', // asked again: the sync address
    ];
    const run = await human.run(['dpkg', '-i', ...debs], { env: { DEBIAN_FRONTEND: 'teletype' }, input: `${typed.join('\n')}\n` });
    expect(run.exitCode, run.stderr).toBe(0);
    const screen = run.stdout;
    expect(screen).toContain('Invalid answer: half-syncd/sync-address');
    expect(screen).toContain('203.0.113.77 is not an address of this machine');
    expect(screen.split('Address of this node on the sync link:').length - 1).toBe(2);
    expect(screen.split('Role of this node:').length - 1).toBe(1);
    expect(await human.root.readFile('/etc/half/half.conf')).toContain('address = 203.0.113.1\n');
  });

  // the note was titled "Invalid answer: half-syncd/conf" and said the question is asked again
  it('show a wrong half.conf line no question owns once, as a line to edit, and ask nothing again', async () => {
    const conf = await human.root.readFile('/etc/half/half.conf');
    await human.root.writeFile('/etc/half/half.conf', `${conf}\n[daemon]\npurge-delay = soon\n`);
    // dpkg-reconfigure asks every question (priority low)
    const typed = ['yes', '1', '1', 'eth2', '203.0.113.1', '203.0.113.2', 'eth0=192.0.2.254/24 eth1=198.51.100.254/24', '51', '', '', ''];
    const run = await human.run(['dpkg-reconfigure', 'half-syncd'], { env: { DEBIAN_FRONTEND: 'teletype' }, input: `${typed.join('\n')}\n` });
    expect(run.exitCode).not.toBe(0);
    const screen = run.stdout;
    expect(screen.split('Invalid line in /etc/half/half.conf').length - 1).toBe(1);
    expect(screen).toMatch(/half\.conf:\d+: daemon\.purge-delay/);
    expect(screen).not.toContain('Invalid answer');
    expect(screen).not.toContain('asked again');
    expect(screen.split('Address of this node on the sync link:').length - 1).toBe(1);
    // the key question said the key "is made and shown": postinst only points to --print-join
    expect(screen).toMatch(/leave this empty and a new key is made; then\s+"half\s+configure\s+--print-join"/);
    await human.root.writeFile('/etc/half/half.conf', conf);
  });

  // "HALF is not configured yet" was shown on a node that is
  it('say nothing of an unconfigured node when a configured node answers no to setup', async () => {
    const run = await human.run(['dpkg-reconfigure', 'half-syncd'], { env: { DEBIAN_FRONTEND: 'teletype' }, input: 'no\n\n' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('Configure this machine as a HALF cluster node now?');
    expect(run.stdout + run.stderr).not.toContain('not configured yet');
    expect(run.stderr).toContain('setup answered no: /etc/half/half.conf and the files rendered from it stay as they are');
  });

  // the questions are asked at high (or medium): at critical only the error note was shown,
  // five times, and the wrong question never
  it('asks the wrong question again at DEBIAN_PRIORITY=critical, after one error note', async () => {
    await critical.preseed(PRIMARY_PRESEED.map(([q, t, v]) => (q === 'sync-address' ? [q, t, '203.0.113.9'] : [q, t, v])));
    const run = await critical.run(['dpkg', '-i', ...debs], { env: { DEBIAN_FRONTEND: 'teletype', DEBIAN_PRIORITY: 'critical' }, input: '203.0.113.1\n' });
    expect(run.exitCode, run.stderr).toBe(0);
    const screen = run.stdout;
    expect(screen.split('Invalid answer: half-syncd/sync-address').length - 1).toBe(1);
    expect(screen.split('Address of this node on the sync link:').length - 1).toBe(1);
    expect(await critical.root.readFile('/etc/half/half.conf')).toContain('address = 203.0.113.1\n');
  });
});

describe('purge and the registry of generated files', () => {
  it('reads the registry where earlier builds kept it (a purge before any configure of this build)', async () => {
    // the node the first test configured
    expect(await batch.exists('/etc/keepalived/keepalived.conf')).toBe(true);
    await batch.run(['mv', '/var/lib/half-syncd/generated', '/var/lib/half/generated'], { check: true });
    const purge = await batch.run(['dpkg', '--purge', 'half-syncd']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    for (const path of [...GENERATED_FILES, '/var/lib/half', '/var/lib/half-syncd']) expect(await batch.exists(path), path).toBe(false);
  });

  it('removes none of them when the registry was lost, and names them', async () => {
    // the node the second test configured
    expect(await human.exists('/etc/keepalived/keepalived.conf')).toBe(true);
    await human.root.writeFile('/etc/keepalived/keepalived.conf.half', 'HALF\'s version beside an admin\'s\n');
    await human.run(['rm', '/var/lib/half-syncd/generated'], { check: true });
    const purge = await human.run(['dpkg', '--purge', 'half-syncd']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    expect(purge.stderr).toContain('half-syncd: no record of the files HALF generated (no /var/lib/half-syncd/generated, nor /var/lib/half/generated of earlier builds), so none was removed: delete those HALF wrote among: /etc/half/half.conf /etc/half/cluster.key /etc/half/half.nft /etc/half/iptables.rules /etc/half/ip6tables.rules /etc/keepalived/keepalived.conf /etc/keepalived/keepalived.conf.half /etc/sysctl.d/60-half.conf');
    for (const path of GENERATED_FILES) expect(await human.exists(path), path).toBe(true);
  });
});
