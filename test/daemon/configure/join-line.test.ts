// The line the first node prints really configures the second: it is split by a real sh, run as
// `half join` on a machine with the other end of the sync link, and the two nodes' half.conf
// files agree. The preseed lines pass debconf-set-selections --checkonly.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shellWord } from '../../../daemon/src/config/shell-word.js';
import { joinInstructions, pipedCommand } from '../../../daemon/src/configure/join-line.js';
import { loadNodeConfig } from '../../../daemon/src/configure/configure-node.js';
import { nodePaths } from '../../../daemon/src/configure/node-paths.js';
import { runJoin } from '../../../daemon/src/configure/run-join.js';
import { runConfigure } from '../../../daemon/src/configure/run-configure.js';
import { parseIpPrefix } from '../../../daemon/src/config/ip-address.js';
import { loadClusterKey } from '../../../daemon/src/config/cluster-key.js';
import { ExitCode } from '../../../repo-tool/src/model/errors.js';
import { run } from '../../helpers/tools.js';
import { capturedFirewall, withInterface } from './helpers/facts.js';
import { capturedIo } from './helpers/io.js';
import { CLUSTER_KEY_HEX, configuredPrimary, nodeRoot, PRIMARY_CONF, type NodeRoot } from './helpers/node-root.js';

const secondMachine = () => {
  const own = parseIpPrefix('203.0.113.2/30');
  if (!own.ok) throw new Error(own.reason);
  return withInterface(capturedFirewall(), 'eth2', (i) => ({ ...i, addresses: [{ address: own.prefix.address, prefix: own.prefix, scope: 'global' }] }));
};

let first: NodeRoot;
let second: NodeRoot;
beforeEach(async () => {
  [first, second] = await Promise.all([nodeRoot(), nodeRoot()]);
});
afterEach(async () => {
  await Promise.all([first?.cleanup(), second?.cleanup()]);
});

async function shellSplit(line: string): Promise<string[]> {
  const r = await run('sh', ['-c', `set -- ${line}; printf '%s\\0' "$@"`], { check: true });
  return r.stdout.split('\0').slice(0, -1);
}

/** The printed `printf … | half join …` line as sh runs it: what reaches standard input, and the arguments after `half join`. */
async function printedJoin(stdout: string): Promise<{ stdin: string; args: string[] }> {
  const line = stdout.split('\n').find((l) => l.includes(' | half join '))?.trim() ?? '';
  const [feed, command] = line.split(' | ') as [string, string];
  const stdin = (await run('sh', ['-c', feed], { check: true })).stdout;
  const [half, join, ...args] = await shellSplit(command);
  expect([half, join]).toEqual(['half', 'join']);
  return { stdin, args };
}

describe('join instructions', () => {
  it('configure the second node through `half join`', async () => {
    await configuredPrimary(first);
    const config = await loadNodeConfig(nodePaths(first.dir));
    const key = await loadClusterKey(first.at('/etc/half/cluster.key'));
    const instructions = joinInstructions(config, key);
    const { command, preseed } = instructions;
    // the key never goes into a process's arguments (ps shows them to every local user)
    expect(command).not.toContain(CLUSTER_KEY_HEX);
    expect(pipedCommand(instructions)).toBe(`printf '%s\\n' ${CLUSTER_KEY_HEX} | ${command}`);
    const { stdin, args } = await printedJoin(pipedCommand(instructions));
    expect(args.slice(-2)).toEqual(['--key', '-']);

    const io = capturedIo(secondMachine(), stdin);
    expect(await runJoin([...args, '--root', second.dir], io.deps), io.stderr()).toBe(ExitCode.ok);
    const joined = await loadNodeConfig(nodePaths(second.dir));
    expect(joined.node).toEqual({ id: 2, priority: 100 });
    expect(joined.sync.links[0].interface).toBe('eth2');
    expect(joined.sync.links[0].address.text).toBe('203.0.113.2');
    expect(joined.sync.links[0].peers.map((p) => p.text)).toEqual(['203.0.113.1']);
    expect(joined.vips).toEqual(config.vips);
    expect(joined.vrrp.routerId).toBe(config.vrrp.routerId);
    expect(Buffer.from(await loadClusterKey(second.at('/etc/half/cluster.key'))).toString('hex')).toBe(CLUSTER_KEY_HEX);

    const checked = await run('debconf-set-selections', ['--checkonly'], { input: preseed });
    expect(checked.exitCode, checked.stderr).toBe(0);
    expect(preseed).toContain(`half-syncd half-syncd/cluster-key password ${CLUSTER_KEY_HEX}\n`);
  });

  it('carries the settings every node must share, so the joined node hears the first one', async () => {
    await configuredPrimary(first, `${PRIMARY_CONF}
[sync2]
interface = eth3
address = 198.51.100.1
peers = 198.51.100.2
`.replace('[sync]\n', '[sync]\nport = 4000\n') + `
[vrrp]
adverts = sync-link
advert-interval = 0.5
preempt = no

[filter]
protocols = tcp udp

[daemon]
mode = direct
`);
    const printed = capturedIo(secondMachine());
    expect(await runConfigure(['--print-join', '--root', first.dir], printed.deps), printed.stderr()).toBe(ExitCode.ok);
    const line = printed.stdout().split('\n').find((l) => l.includes(' | half join '))?.trim() ?? '';
    expect(line).toContain('--set sync.port=4000 --set vrrp.adverts=sync-link --set vrrp.advert-interval=0.5 --set vrrp.preempt=no --set \'filter.protocols=tcp udp\' --set daemon.mode=direct');
    // neither the preseed lines nor the line carry [sync2]: the message says so
    expect(printed.stdout()).toMatch(/preseed lines do not carry this cluster's \[sync\] port = 4000, .*\[daemon\] mode = direct/);
    expect(printed.stdout()).toMatch(/second sync link \(\[sync2\]\)/);

    const { stdin, args } = await printedJoin(printed.stdout());
    const io = capturedIo(secondMachine(), stdin);
    expect(await runJoin([...args, '--root', second.dir], io.deps), io.stderr()).toBe(ExitCode.ok);
    const [one, two] = [await loadNodeConfig(nodePaths(first.dir)), await loadNodeConfig(nodePaths(second.dir))];
    expect(two.sync.port).toBe(4000);
    expect(two.vrrp).toMatchObject({ adverts: 'sync-link', advertIntervalSeconds: 0.5, preempt: false });
    expect(two.filter.protocols).toEqual(one.filter.protocols);
    expect(two.daemon.mode).toBe('direct');
    expect(two.sync.links[0].peers.map((p) => p.text)).toEqual(['203.0.113.1']);
    // their keepalived.conf agree on where and how often adverts go
    const adverts = (text: string) => text.split('\n').filter((l) => /^\s*(advert_int|unicast_peer|interface) /.test(l)).map((l) => l.trim());
    expect(await second.read('/etc/keepalived/keepalived.conf').then(adverts)).toEqual(['interface eth2', 'advert_int 0.5', 'unicast_peer {']);
  });

  it('writes a multicast group the line carries instead of peers', async () => {
    await configuredPrimary(first, PRIMARY_CONF.replace('peers = 203.0.113.2', 'multicast-group = 239.0.2.1'));
    const printed = capturedIo(secondMachine());
    expect(await runConfigure(['--print-join', '--root', first.dir], printed.deps)).toBe(ExitCode.ok);
    const { stdin, args } = await printedJoin(printed.stdout());
    const io = capturedIo(secondMachine(), stdin);
    expect(await runJoin([...args, '--root', second.dir], io.deps), io.stderr()).toBe(ExitCode.ok);
    const joined = await loadNodeConfig(nodePaths(second.dir));
    expect(joined.sync.links[0].multicastGroup?.text).toBe('239.0.2.1');
    expect(joined.sync.links[0].peers).toEqual([]);
  });

  it('half join refuses a --set of a key the line never carries', async () => {
    const io = capturedIo(secondMachine());
    expect(await runJoin(['--peer', '203.0.113.1', '--vips', 'eth0=192.0.2.254/24', '--key', CLUSTER_KEY_HEX, '--set', 'node.id=7', '--root', second.dir], io.deps)).toBe(ExitCode.usage);
    expect(io.stderr()).toContain('node.id is not a setting the join line carries');
    expect(io.stderr(), 'the command is named once').not.toContain('half join: half join:');
    expect(await second.exists('/etc/half/half.conf')).toBe(false);
    const twice = capturedIo(secondMachine());
    expect(await runJoin(['--peer', '203.0.113.1', '--vips', 'eth0=192.0.2.254/24', '--key', CLUSTER_KEY_HEX, '--set', 'sync.port=4000', '--set', 'sync.port=5000', '--root', second.dir], twice.deps)).toBe(ExitCode.usage);
    expect(twice.stderr()).toContain('half join: --set sync.port is given twice');
    expect(await second.exists('/etc/half/half.conf')).toBe(false);
  });

  it('half join names the missing options and refuses values that do not fit the machine', async () => {
    const io = capturedIo(secondMachine());
    expect(await runJoin(['--peer', '203.0.113.1'], io.deps)).toBe(ExitCode.usage);
    expect(io.stderr()).toContain('half join: --vips, --key missing');
    expect(io.stderr()).not.toContain('half join: half join:');
    const unknown = capturedIo(secondMachine());
    expect(await runJoin(['--peers', '203.0.113.1'], unknown.deps)).toBe(ExitCode.usage);
    expect(unknown.stderr()).toMatch(/half join: .*--peers[\s\S]*see `half join --help`/);
    const bad = capturedIo(secondMachine());
    expect(await runJoin(['--peer', '203.0.113.1', '--vips', 'eth0=192.0.2.254/24', '--key', 'abc', '--root', second.dir], bad.deps)).toBe(ExitCode.config);
    expect(bad.stderr()).toContain('--key: the key holds 3 hex digits, not 64');
    expect(await second.exists('/etc/half/half.conf')).toBe(false);
  });

  it('half join reads the key from a file or standard input, and names the source of a bad one', async () => {
    const base = ['--peer', '203.0.113.1', '--vips', 'eth0=192.0.2.254/24'];
    await first.write('/key', `# HALF cluster key\n${CLUSTER_KEY_HEX}\n`, 0o600);
    const fromFile = capturedIo(secondMachine());
    expect(await runJoin([...base, '--key-file', first.at('/key'), '--root', second.dir], fromFile.deps), fromFile.stderr()).toBe(ExitCode.ok);
    expect(Buffer.from(await loadClusterKey(second.at('/etc/half/cluster.key'))).toString('hex')).toBe(CLUSTER_KEY_HEX);
    expect(fromFile.stderr()).not.toContain('ps');

    const both = capturedIo(secondMachine());
    expect(await runJoin([...base, '--key', '-', '--key-file', first.at('/key')], both.deps)).toBe(ExitCode.usage);
    expect(both.stderr()).toContain('give the cluster key once: --key or --key-file, not both');
    const gone = capturedIo(secondMachine());
    expect(await runJoin([...base, '--key-file', first.at('/nope')], gone.deps)).toBe(ExitCode.usage);
    expect(gone.stderr()).toContain(`cannot read the cluster key from --key-file ${first.at('/nope')}: no such file`);
    const short = capturedIo(secondMachine(), 'abc\n');
    expect(await runJoin([...base, '--key', '-', '--root', second.dir], short.deps)).toBe(ExitCode.config);
    expect(short.stderr()).toContain('--key - (standard input): the key holds 3 hex digits, not 64');
    // the old form still works, and says what it shows
    const inArgv = capturedIo(secondMachine());
    expect(await runJoin([...base, '--key', CLUSTER_KEY_HEX, '--root', second.dir], inArgv.deps), inArgv.stderr()).toBe(ExitCode.ok);
    expect(inArgv.stderr()).toContain('--key HEX shows the cluster key to every local user (ps)');
  });

  it('quotes for sh only where needed', () => {
    expect(shellWord('203.0.113.1')).toBe('203.0.113.1');
    expect(shellWord("eth0=a b'c")).toBe(`'eth0=a b'\\''c'`);
  });
});
