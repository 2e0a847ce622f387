// The bundled programs under Debian's own nodejs: 18.x on Debian 12 (the bundles' target) and
// 20.x on Debian 13. Installed with dpkg (preseeded) into a Debian root and run in the node's
// network namespace: the CLI answers, the netlink binding (stripped, found by node-gyp-build
// next to the bundle) opens a conntrack event socket, half-syncd accepts the configuration the
// postinst wrote and runs with it, and systemd-analyze accepts the unit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameReader, PumpControl } from '../../../daemon/src/kernel/pump-frames.js';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';
import { DAEMON_PROGRAMS } from '../../../scripts/bundle-daemon.js';
import { parseServiceUnit } from '../../e2e/failover/half-unit.js';
import { UNIT_PATH } from '../../../pkgs/half-syncd.js';

const NODE_MAJOR = { bookworm: 'v18.', trixie: 'v20.' } as const;

/**
 * What half-syncd.service does (ExecStartPre, RuntimeDirectory, ExecStart), then `half status
 * ARGS` until it answers and `until` (a shell condition) holds; its last answer.
 */
async function startAsUnit(node: NodeMachine, args: string, until = 'true'): Promise<string> {
  const started = await node.run([
    'half-syncd --load-table > /run/half-load-table.log && mkdir -p /run/half',
    '(half-syncd --foreground > /run/half-syncd.log 2>&1 &)',
    `for i in $(seq 1 100); do half status ${args} > /run/status 2>&1 && ${until} && break; sleep 0.2; done`,
    'cat /run/status',
  ].join('; '));
  return started.stdout;
}

describe.each(['bookworm', 'trixie'] as const)('half-syncd on %s', (suite) => {
  let node: NodeMachine;
  beforeAll(async () => {
    node = await nodeMachine(suite, `rt${suite.slice(0, 4)}`);
    await node.preseed(PRIMARY_PRESEED);
    const install = await node.run(['dpkg', '-i', ...(await node.put(await halfKernelDeb(), await halfSyncdDeb()))]);
    expect(install.exitCode, install.stderr).toBe(0);
  });
  afterAll(() => node?.cleanup());

  it('runs the half CLI and half configure with Debian\'s nodejs', async () => {
    expect((await node.run(['node', '--version'])).stdout).toMatch(new RegExp(`^${NODE_MAJOR[suite].replace('.', '\\.')}`));
    const help = await node.run(['half', '--help']);
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain('usage: half');
    const configure = await node.run(['node', '/usr/lib/half/half-configure.js', 'configure', '--help']);
    expect(configure.exitCode, configure.stderr).toBe(0);
    expect(configure.stdout).toContain('usage: half configure');
    const notify = await node.run(['half-notify']);
    expect(notify.stderr).toContain('usage: half-notify');
  });

  it('loads the netlink binding and joins the conntrack event groups', async () => {
    const pump = await node.run(`node /usr/lib/half/event-pump-main.js '{"groups":[1,2,3]}' 3>&1 </dev/null | od -An -v -tx1`);
    expect(pump.exitCode, pump.stderr).toBe(0);
    const bytes = Buffer.from(pump.stdout.replace(/\s+/g, ''), 'hex');
    const controls: [number, number][] = [];
    new FrameReader({ datagram: () => undefined, control: (code, value) => void controls.push([code, value]) }).push(bytes);
    expect(controls[0]?.[0]).toBe(PumpControl.ready);
    expect(controls[0]?.[1]).toBeGreaterThan(0); // the receive buffer the kernel granted
  });

  it('runs half-syncd with the configuration the postinst wrote', async () => {
    const check = await node.run(['half-syncd', '--check']);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toContain('/etc/half/half.conf: valid (node 1');
    const started = await startAsUnit(node, '');
    expect(started).toMatch(/^half-syncd \S+ \(pid (\d+), .*\/etc\/half\/half\.conf\)$/m);
    expect(started).toContain('node 1 ');
    const pid = /\(pid (\d+),/.exec(started)?.[1];
    // the wrapper's node options reached the daemon
    const cmdline = await node.run(`tr '\\0' '\\n' < /proc/${pid}/cmdline`, { check: true });
    expect(cmdline.stdout.split('\n')).toEqual(expect.arrayContaining(['/usr/bin/node', '--v8-pool-size=1', '/usr/lib/half/half-syncd.js']));
    await node.run(['kill', pid as string], { check: true });
  });

  it('arms the takeover guard on a standby, loads its table again on HUP, and lifts the guard when it stops, a crash included', async () => {
    const guard = async (): Promise<boolean> => (await node.run(['nft', 'list', 'set', 'inet', 'half', 'guard'], { check: true })).stdout.includes('elements = { tcp }');
    const start = async (): Promise<string> => {
      const started = await startAsUnit(node, '--json', 'nft list set inet half guard | grep -q tcp');
      return String((JSON.parse(started) as { daemon: { pid: number } }).daemon.pid);
    };
    const gone = (pid: string): Promise<unknown> => node.run(`while kill -0 ${pid} 2>/dev/null; do sleep 0.1; done`, { check: true });
    // the node holds none of its virtual addresses: a standby until keepalived reports
    const pid = await start();
    expect(await guard()).toBe(true);
    // an nftables reload took HALF's table: on HUP (what the unit's ExecReload sends) it comes
    // back from /etc/half/half.nft, the admin's edit included, with the guard on again
    await node.run(['sh', '-c', 'printf "table inet half {\\n\\tchain input {\\n\\t\\tcounter comment \\"admin edit\\"\\n\\t}\\n}\\n" >> /etc/half/half.nft && nft delete table inet half'], { check: true });
    await node.run(['kill', '-HUP', pid], { check: true });
    await node.run('for i in $(seq 1 100); do nft list table inet half >/dev/null 2>&1 && break; sleep 0.1; done', { check: true });
    await node.run('for i in $(seq 1 50); do nft list set inet half guard | grep -q tcp && break; sleep 0.1; done', { check: true });
    expect(await guard()).toBe(true);
    expect((await node.run(['nft', 'list', 'table', 'inet', 'half'], { check: true })).stdout).toContain('comment "admin edit"');
    await node.run(['kill', pid], { check: true });
    await gone(pid);
    expect(await guard()).toBe(false);
    // killed outright, it cannot: the unit's ExecStopPost= does, as systemd runs it after any end
    const killed = await start();
    await node.run(['kill', '-KILL', killed], { check: true });
    await gone(killed);
    expect(await guard()).toBe(true);
    const unit = parseServiceUnit((await node.run(['cat', UNIT_PATH], { check: true })).stdout);
    expect(unit.execStopPost.length).toBeGreaterThan(0);
    for (const line of unit.execStopPost) await node.run([...line.words], { check: true });
    expect(await guard()).toBe(false);
  });

  it('loads, as the unit starts, the table rendered from a half.conf written by hand without half.nft, and names the fix', async () => {
    const unit = parseServiceUnit((await node.run(['cat', UNIT_PATH], { check: true })).stdout);
    await node.run('mv /etc/half/half.nft /etc/half/half.nft.aside && (nft delete table inet half 2>/dev/null || true)', { check: true });
    try {
      for (const line of unit.execStartPre) {
        const pre = await node.run([...line.words]);
        expect(pre.exitCode, pre.stderr).toBe(0);
        expect(pre.stdout).toContain('/etc/half/half.nft is missing; run `half configure --apply`');
      }
      expect((await node.run(['nft', 'list', 'set', 'inet', 'half', 'guard'], { check: true })).stdout).toContain('set guard');
      // and an invalid one: said by ExecStartPre=, whose failure the unit ignores, so that the
      // daemon's own exit status 78 (RestartPreventExitStatus=) stops the restarts
      await node.run('cp /etc/half/half.conf /etc/half/half.conf.aside && echo "[node]" > /etc/half/half.conf && echo "id = nonsense" >> /etc/half/half.conf', { check: true });
      for (const line of unit.execStartPre) {
        const pre = await node.run([...line.words]);
        expect(pre.exitCode).toBe(78);
        expect(line.ignoreFailure).toBe(true);
        expect(pre.stderr).toContain('half.conf');
      }
      expect((await node.run(['half-syncd'])).exitCode).toBe(78);
    } finally {
      await node.run('mv /etc/half/half.nft.aside /etc/half/half.nft; if [ -e /etc/half/half.conf.aside ]; then mv /etc/half/half.conf.aside /etc/half/half.conf; fi', { check: true });
    }
  });

  it('refuses to start, with status 78, on a half.nft that nft refuses: no restart every two seconds, and the guard is off', async () => {
    const unit = parseServiceUnit((await node.run(['cat', UNIT_PATH], { check: true })).stdout);
    await node.run('cp /etc/half/half.nft /etc/half/half.nft.aside && printf "table inet half {\\n\\tchain broken {\\n" >> /etc/half/half.nft && nft add element inet half guard "{ tcp }"', { check: true });
    try {
      for (const line of unit.execStartPre) {
        const pre = await node.run([...line.words]);
        expect(pre.exitCode).toBe(69);
        expect(line.ignoreFailure).toBe(true);
        expect(pre.stderr).toContain('nft -f /etc/half/half.nft failed');
      }
      expect((await node.run(['nft', 'list', 'set', 'inet', 'half', 'guard'], { check: true })).stdout).not.toContain('tcp');
      const daemon = await node.run(['half-syncd']);
      expect(daemon.exitCode).toBe(78);
      expect(daemon.stderr).toContain('/etc/half/half.nft: nft refuses it: ');
      expect(daemon.stderr).toContain('half.nft.half');
    } finally {
      await node.run('mv /etc/half/half.nft.aside /etc/half/half.nft', { check: true });
    }
    // corrected, it starts
    const started = await startAsUnit(node, '');
    const pid = /\(pid (\d+),/.exec(started)?.[1];
    expect(pid).toBeDefined();
    await node.run(['kill', pid as string], { check: true });
  });

  it('ships every program, and its unit passes systemd-analyze verify', async () => {
    for (const program of DAEMON_PROGRAMS) {
      expect(await node.exists(`/usr/lib/half/${program.output}`), program.output).toBe(true);
      if (program.command !== undefined) expect(await node.exists(program.command), program.command).toBe(true);
    }
    const verify = await node.run(['systemd-analyze', 'verify', '--man=no', 'half-syncd.service']);
    expect(verify.stderr).toBe('');
    expect(verify.exitCode).toBe(0);
  });
});
