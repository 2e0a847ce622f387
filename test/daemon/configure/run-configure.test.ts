// `half configure` in-process: the three --debconf modes the maintainer scripts use, and the
// plain run an admin makes.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runConfigure } from '../../../daemon/src/configure/run-configure.js';
import { ExitCode } from '../../../repo-tool/src/model/errors.js';
import { capturedFirewall, withInterface } from './helpers/facts.js';
import { capturedIo } from './helpers/io.js';
import { configuredPrimary, nodeRoot, PRIMARY_CONF, type NodeRoot } from './helpers/node-root.js';

let root: NodeRoot;
beforeEach(async () => {
  root = await nodeRoot();
});
afterEach(() => root?.cleanup());

const PRESEED = 'setup=true\nrole=primary\nsync-peers=\nvips=\ncluster-key=\n';

describe('half configure --debconf', () => {
  it('suggest: the machine\'s defaults for unanswered questions', async () => {
    const io = capturedIo(capturedFirewall(), 'role=backup\nrouter-id=60\n');
    expect(await runConfigure(['--debconf', 'suggest', '--root', root.dir], io.deps)).toBe(ExitCode.ok);
    expect(io.stdout()).toBe('node-id=2\nsync-interface=eth2\nsync-address=203.0.113.1\nsync-peers=203.0.113.2\nvips=eth0=192.0.2.254/24 eth1=198.51.100.254/24\n');
  });

  it('suggest: an existing half.conf wins over what debconf holds (it is the master copy)', async () => {
    await configuredPrimary(root);
    const io = capturedIo(capturedFirewall(), 'role=backup\nsync-peers=203.0.113.99\n');
    expect(await runConfigure(['--debconf', 'suggest', '--root', root.dir], io.deps)).toBe(ExitCode.ok);
    expect(io.stdout()).toContain('setup=true\nrole=primary\nnode-id=1\nsync-interface=eth2\nsync-address=203.0.113.1\nsync-peers=203.0.113.2\nvips=eth0=192.0.2.254/24 2001:db8:1::fe/64 eth1=198.51.100.254/24\n');
  });

  it('check: one `question<TAB>message` line per problem, and the config exit code', async () => {
    const bad = capturedIo(capturedFirewall(), 'role=primary\nnode-id=1\nsync-interface=eth2\nsync-address=203.0.113.1\nsync-peers=203.0.113.2\nvips=eth0=192.0.2.254/2x\nrouter-id=51\ncluster-key=123\n');
    expect(await runConfigure(['--debconf', 'check', '--root', root.dir], bad.deps)).toBe(ExitCode.config);
    const lines = bad.stdout().trimEnd().split('\n').map((l) => l.split('\t'));
    expect(lines.map(([q]) => q)).toEqual(['vips', 'cluster-key']);
    expect(lines[0]?.[1]).toContain('"/2x" is not a prefix length');
    const good = capturedIo(capturedFirewall(), 'role=primary\nnode-id=1\nsync-interface=eth2\nsync-address=203.0.113.1\nsync-peers=203.0.113.2\nvips=eth0=192.0.2.254/24\nrouter-id=51\n');
    expect(await runConfigure(['--debconf', 'check', '--root', root.dir], good.deps)).toBe(ExitCode.ok);
    expect(good.stdout()).toBe('');
  });

  it('a half.conf that is not UTF-8: check names its line (no question owns it), apply writes nothing and makes no key', async () => {
    await configuredPrimary(root);
    // a key-file path in Latin-1, with a key there: read leniently it named another file, where a new key was made
    const latin1 = Buffer.from((await root.read('/etc/half/half.conf')).replace('[sync]\n', '[sync]\nkey-file = /etc/half/cl\xe9.key\n'), 'latin1');
    await writeFile(root.at('/etc/half/half.conf'), latin1);
    await writeFile(Buffer.concat([Buffer.from(root.at('/etc/half/cl')), Buffer.from([0xe9]), Buffer.from('.key')]), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const before = await readdir(root.at('/etc/half'));
    const check = capturedIo(capturedFirewall(), PRESEED);
    expect(await runConfigure(['--debconf', 'check', '--root', root.dir], check.deps)).toBe(ExitCode.config);
    expect(check.stdout()).toMatch(/^conf\t\/etc\/half\/half\.conf:\d+: has bytes that are not UTF-8 \(fix: save half\.conf as UTF-8/);
    const apply = capturedIo(capturedFirewall(), PRESEED);
    expect(await runConfigure(['--debconf', 'apply', '--root', root.dir], apply.deps)).toBe(ExitCode.config);
    expect(apply.stderr()).toMatch(/half\.conf:\d+: has bytes that are not UTF-8/);
    expect(await readdir(root.at('/etc/half'))).toEqual(before);
    expect((await readFile(root.at('/etc/half/half.conf'))).equals(latin1)).toBe(true);
  });

  it('apply: configures, reports changed files, says how to get the join line (never the key) once when it made the key', async () => {
    const suggest = capturedIo(capturedFirewall(), PRESEED);
    await runConfigure(['--debconf', 'suggest', '--root', root.dir], suggest.deps);
    const answers = `${PRESEED}${suggest.stdout()}`;
    const apply = capturedIo(capturedFirewall(), answers);
    expect(await runConfigure(['--debconf', 'apply', '--root', root.dir], apply.deps)).toBe(ExitCode.ok);
    expect(apply.stdout()).toContain(`changed ${root.at('/etc/keepalived/keepalived.conf')}\n`);
    expect(apply.stdout()).toContain('join-line\n');
    expect(apply.stderr()).toContain('run `half configure --print-join` on this node (as root)');
    // apt logs what package scripts print: the key is never in it
    expect(apply.stderr()).not.toMatch(/(07){32}/);
    const printed = capturedIo(capturedFirewall(), '');
    expect(await runConfigure(['--print-join', '--root', root.dir], printed.deps)).toBe(ExitCode.ok);
    expect(printed.stdout()).toMatch(/printf '%s\\n' (07){32} \| half join --apply --peer 203\.0\.113\.1 --vips 'eth0=192\.0\.2\.254\/24 eth1=198\.51\.100\.254\/24' --router-id 51 --node-id 2 --key -\n/);
    const rerun = capturedIo(capturedFirewall(), answers);
    expect(await runConfigure(['--debconf', 'apply', '--root', root.dir], rerun.deps)).toBe(ExitCode.ok);
    expect(rerun.stdout()).toBe('');
  });

  it('suggest → check → apply keep the case of an interface name in [vips] (enP2p1s0 is not enp2p1s0)', async () => {
    const facts = withInterface(capturedFirewall(), 'eth0', (i) => ({ ...i, name: 'enP2p1s0' }));
    await configuredPrimary(root, PRIMARY_CONF.replace('eth0 =', 'enP2p1s0 ='));
    const suggest = capturedIo(facts, 'setup=true\ncluster-key=\n');
    expect(await runConfigure(['--debconf', 'suggest', '--root', root.dir], suggest.deps)).toBe(ExitCode.ok);
    expect(suggest.stdout()).toContain('vips=enP2p1s0=192.0.2.254/24 2001:db8:1::fe/64 eth1=198.51.100.254/24\n');
    // dpkg-reconfigure db_sets the suggestion, the admin changes the peers, the config script checks
    const answers = `cluster-key=\n${suggest.stdout()}`.replace('sync-peers=203.0.113.2', 'sync-peers=203.0.113.3');
    const check = capturedIo(facts, answers);
    expect(await runConfigure(['--debconf', 'check', '--root', root.dir], check.deps)).toBe(ExitCode.ok);
    expect(check.stdout()).toBe('');
    const apply = capturedIo(facts, answers);
    expect(await runConfigure(['--debconf', 'apply', '--root', root.dir], apply.deps)).toBe(ExitCode.ok);
    const conf = await root.read('/etc/half/half.conf');
    expect(conf).toContain('\nenP2p1s0 = 192.0.2.254/24 2001:db8:1::fe/64\n');
    expect(conf).toContain('peers = 203.0.113.3');
    expect(await root.read('/etc/keepalived/keepalived.conf')).toMatch(/interface enP2p1s0\b/);
  });

  it('apply: bad answers fail with the reasons and write nothing', async () => {
    const io = capturedIo(capturedFirewall(), 'setup=true\nrole=primary\nnode-id=1\nsync-interface=eth9\nsync-address=203.0.113.1\nsync-peers=203.0.113.2\nvips=eth0=192.0.2.254/24\nrouter-id=51\n');
    expect(await runConfigure(['--debconf', 'apply', '--root', root.dir], io.deps)).toBe(ExitCode.config);
    expect(io.stderr()).toContain('half-syncd/sync-interface: this machine has no interface eth9');
    expect(await root.exists('/etc/half/half.conf')).toBe(false);
  });
});

describe('half configure', () => {
  it('renders from half.conf and lists what to restart', async () => {
    await configuredPrimary(root);
    const io = capturedIo(capturedFirewall());
    expect(await runConfigure(['--root', root.dir], io.deps)).toBe(ExitCode.ok);
    expect(io.stdout()).toContain(`wrote ${root.at('/etc/keepalived/keepalived.conf')}`);
    expect(io.stdout()).toContain('systemctl reload-or-restart keepalived.service');
    expect(io.stdout()).toContain('sysctl -q --system');
  });

  it('fails with the config exit code and the reason when the node is not configured', async () => {
    const io = capturedIo(capturedFirewall());
    expect(await runConfigure(['--root', root.dir], io.deps)).toBe(ExitCode.config);
    expect(io.stderr()).toContain('this node is not configured yet');
  });

  it('names a half.conf that is a folder, with no stack trace', async () => {
    await root.write('/etc/half/half.conf/x', '');
    const io = capturedIo(capturedFirewall());
    expect(await runConfigure(['--root', root.dir], io.deps)).not.toBe(ExitCode.internal);
    expect(io.stderr()).toContain(`could not read ${root.at('/etc/half/half.conf')}: EISDIR`);
    expect(io.stderr()).not.toMatch(/unexpected failure|\n\s+at /);
  });

  it('refuses unknown options as a usage error', async () => {
    const io = capturedIo(capturedFirewall());
    expect(await runConfigure(['--frobnicate'], io.deps)).toBe(ExitCode.usage);
    expect(io.stderr()).toMatch(/^half configure: Unknown option '--frobnicate'[\s\S]*see `half configure --help`/);
    const more = capturedIo(capturedFirewall());
    expect(await runConfigure(['--debconf', 'guess'], more.deps)).toBe(ExitCode.usage);
    expect(more.stderr()).toMatch(/^half configure: --debconf guess is not one of suggest, check, apply\n/);
  });
});
