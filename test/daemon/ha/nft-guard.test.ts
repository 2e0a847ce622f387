// The takeover guard on real packets. A namespace plays the new MASTER holding a VIP: a stray
// TCP ACK to the VIP (a connection whose state is not committed yet) draws a RST from its stack
// while the guard is off, and nothing while it is on (with tcp_loose 1 and 0), while new
// connections (pure SYN) and their established traffic still pass. RSTs are counted by an nft
// counter on the MASTER's output; a SYN to a closed port, sent after each probe, is the marker
// that the probe has been processed (its RST must arrive, and arrives after the probe's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNftRuleset } from '../../../daemon/src/config/nft-ruleset.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { NftGuard } from '../../../daemon/src/ha/nft-guard.js';
import type { Logger } from '../../../daemon/src/metrics/logger.js';
import { DaemonFailoverExecutor, type FailoverExecutorDeps } from '../../../daemon/src/runtime/failover-executor.js';
import { NftTable, NftTableKeeper } from '../../../daemon/src/runtime/nft-table-keeper.js';
import { requireTool } from '../../helpers/tools.js';
import { MINIMAL } from '../config/fixtures/problems.js';
import { NetnsLab } from './fixtures/netns-lab.js';
import { nftCounter, nftLoad, PACKETS_PY, sendPacket } from './fixtures/net-probe.js';

const VIP = '192.0.2.254';
const CLIENT = '192.0.2.2';
const PROBE_TABLE = `table inet probe {
\tcounter rst_out {
\t}

\tchain output {
\t\ttype filter hook output priority filter; policy accept;
\t\ttcp flags & rst == rst counter name "rst_out"
\t}
}
`;

const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('NftGuard', () => {
  const lab = new NetnsLab('g');
  let fw: string;
  let client: string;
  let guard: NftGuard;
  let port = 40000;

  /** Sends a stray ACK, then the SYN marker; returns how many RSTs the two drew. */
  async function probe(): Promise<number> {
    const before = await nftCounter(lab, fw, 'probe', 'rst_out');
    await sendPacket(lab, client, ['tcp', CLIENT, String(port++), VIP, '5555', 'A']);
    await sendPacket(lab, client, ['tcp', CLIENT, String(port++), VIP, '5555', 'S']);
    for (let i = 0; i < 100 && (await nftCounter(lab, fw, 'probe', 'rst_out')) === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (await nftCounter(lab, fw, 'probe', 'rst_out')) - before;
  }

  beforeAll(async () => {
    requireTool('nft');
    requireTool('python3');
    fw = await lab.namespace('fw');
    client = await lab.namespace('cl');
    await lab.veth(fw, 'lan0', client, 'eth0');
    await lab.ip(fw, ['addr', 'add', '192.0.2.1/24', 'dev', 'lan0']);
    await lab.ip(fw, ['addr', 'add', `${VIP}/24`, 'dev', 'lan0']);
    await lab.ip(client, ['addr', 'add', `${CLIENT}/24`, 'dev', 'eth0']);
    await nftLoad(lab, fw, renderNftRuleset(validateHalfConf(MINIMAL, '/etc/half/half.conf')));
    await nftLoad(lab, fw, PROBE_TABLE);
    guard = new NftGuard({ command: ['ip', 'netns', 'exec', fw, 'nft'] });
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it.each([1, 0])('with tcp_loose=%i: off → the stray ACK draws a RST; on → it is dropped silently', async (loose) => {
    await lab.exec(fw, 'sysctl', ['-q', '-w', `net.netfilter.nf_conntrack_tcp_loose=${loose}`], { check: true });
    await guard.off();
    expect(await guard.isOn()).toBe(false);
    expect(await probe()).toBe(2);

    const dropped = await guard.dropped();
    await guard.on();
    await guard.on(); // idempotent
    expect(await guard.isOn()).toBe(true);
    expect(await probe()).toBe(1); // only the marker SYN's RST
    expect(await guard.dropped()).toBe(dropped + 1);

    await guard.off();
    await guard.off(); // idempotent
    expect(await probe()).toBe(2);
    expect(await guard.dropped()).toBe(dropped + 1);
  });

  it('lets new connections and their established traffic through while on', async () => {
    await guard.on();
    const server = lab.exec(fw, 'python3', [PACKETS_PY, 'echo-server', VIP, '7000'], { timeoutMs: 30_000 });
    let reply = '';
    for (let attempt = 0; attempt < 50 && reply === ''; attempt++) {
      const result = await lab.exec(client, 'python3', [PACKETS_PY, 'echo-client', CLIENT, VIP, '7000', 'through-the-guard']);
      if (result.exitCode === 0) reply = result.stdout.trim();
      else await new Promise((resolve) => setTimeout(resolve, 100)); // server not listening yet
    }
    expect(reply).toBe('through-the-guard');
    expect((await server).exitCode).toBe(0);
    await guard.off();
  });

  it('puts the guard back on a table loaded again, and never undoes a change asked for meanwhile', async () => {
    const reload = async (): Promise<void> => {
      await lab.exec(fw, 'nft', ['delete', 'table', 'inet', 'half'], { check: true });
      await nftLoad(lab, fw, renderNftRuleset(validateHalfConf(MINIMAL, '/etc/half/half.conf')));
      expect(await guard.isOn()).toBe(false); // the table loads with the guard off
    };
    await guard.on();
    await reload();
    expect(await guard.restore()).toBe(true);
    expect(await guard.isOn()).toBe(true);
    // the table keeper restores while a failover plan turns the guard off: off holds
    await reload();
    const restored = guard.restore();
    await guard.off();
    expect(await restored).toBe(false);
    expect(await guard.isOn()).toBe(false);
    // and the other way round: asked off, then on, with restores between, ends on
    const steps = [guard.off(), guard.restore(), guard.on(), guard.restore()];
    await Promise.all(steps);
    expect(await guard.isOn()).toBe(true);
    await guard.off();
  });

  it('after a change that failed, settles the guard as last asked for', async () => {
    await guard.off();
    expect(guard.unsettled).toBe(false);
    await lab.exec(fw, 'nft', ['delete', 'table', 'inet', 'half'], { check: true });
    await expect(guard.on()).rejects.toThrow(/nft could not turn the takeover guard on/);
    expect(guard.unsettled).toBe(true);
    // the table is back (loaded by hand here: the keeper's own reload restores instead), the guard off
    await nftLoad(lab, fw, renderNftRuleset(validateHalfConf(MINIMAL, '/etc/half/half.conf')));
    expect(await guard.isOn()).toBe(false);
    expect(await guard.settle()).toBe(true);
    expect(await guard.isOn()).toBe(true);
    expect(guard.unsettled).toBe(false);
    expect(await guard.settle(), 'nothing left to settle').toBe(false);
    await guard.off();
  });

  it('at a takeover after `nft flush ruleset`, loads the table again at the first failure and turns the guard on without a pause', async () => {
    const config = validateHalfConf(MINIMAL, '/nonexistent/half.conf'); // no half.nft beside it: the rendering is loaded
    const keeper = new NftTableKeeper(new NftTable(config, ['ip', 'netns', 'exec', fw, 'nft']), guard, silentLogger);
    const lines: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message) => void lines.push(message) };
    // a pause before the second attempt would outlast the test
    const executor = new DaemonFailoverExecutor({ guard, logger, guardRetryMs: 600_000, tableCheck: (reason: string) => keeper.check(reason) } as unknown as FailoverExecutorDeps);
    await guard.off();
    await lab.exec(fw, 'nft', ['flush', 'ruleset'], { check: true });
    try {
      await executor.guardOn();
      expect(await guard.isOn()).toBe(true);
      expect(keeper.counters.reloads).toBe(1);
      expect(lines).toEqual([expect.stringMatching(/^takeover guard: nft failed, trying again \(1 of/)]);
      await guard.off();
    } finally {
      await nftLoad(lab, fw, PROBE_TABLE);
    }
  }, 20_000);

  it('fails with the fix when table inet half is not loaded', async () => {
    const other = await lab.namespace('empty');
    const bare = new NftGuard({ command: ['ip', 'netns', 'exec', other, 'nft'] });
    await expect(bare.on()).rejects.toThrow(/nft could not turn the takeover guard on/);
    await expect(bare.on()).rejects.toMatchObject({ hint: expect.stringContaining('half configure') });
    // a table without the guard's sets (a half.nft edited by hand before an upgrade added them)
    await lab.exec(other, 'nft', ['add', 'table', 'inet', 'half'], { check: true });
    await expect(bare.on()).rejects.toMatchObject({ hint: expect.stringContaining('merge /etc/half/half.nft.half into it, then restart half-syncd') });
  });
});

// The guard on forwarded traffic: a namespace firewall between a LAN client and a WAN server.
// While the guard is on, a new forwarded connection (here a UDP datagram: a flow whose replicated
// entry may not be committed yet) is dropped before it can make an entry and a NAT mapping of its
// own; a flow whose entry exists still passes, and the node itself still takes new UDP. Off, new
// flows are forwarded again.
describe('NftGuard on forwarded traffic', () => {
  const lab = new NetnsLab('f');
  let fw: string;
  let lan: string;
  let wan: string;
  let guard: NftGuard;
  const COUNT_TABLE = `table inet probe {
\tcounter udp_in {
\t}

\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t\tudp dport 9999 counter name "udp_in"
\t}
}
`;
  /** One datagram from SRC:SPORT (bound) to DST:9999. */
  const udpFrom = async (ns: string, src: string, sport: number, dst: string): Promise<void> => {
    const py = 'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind((sys.argv[1],int(sys.argv[2])))\ns.sendto(b"held?",(sys.argv[3],9999))';
    await lab.exec(ns, 'python3', ['-c', py, src, String(sport), dst], { check: true });
  };
  /** Waits until `ns`'s udp_in (or, for the firewall, guard_dropped) counter reached `n`. */
  const counterReaches = async (ns: string, table: string, name: string, n: number): Promise<boolean> => {
    for (let i = 0; i < 100; i++) {
      if ((await nftCounter(lab, ns, table, name)) >= n) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  };

  beforeAll(async () => {
    requireTool('nft');
    requireTool('conntrack');
    fw = await lab.namespace('fw');
    lan = await lab.namespace('lan');
    wan = await lab.namespace('wan');
    await lab.veth(fw, 'lan0', lan, 'eth0');
    await lab.veth(fw, 'wan0', wan, 'eth0');
    await lab.ip(fw, ['addr', 'add', '192.0.2.1/24', 'dev', 'lan0']);
    await lab.ip(fw, ['addr', 'add', '198.51.100.1/24', 'dev', 'wan0']);
    await lab.ip(lan, ['addr', 'add', `${CLIENT}/24`, 'dev', 'eth0']);
    await lab.ip(lan, ['route', 'add', 'default', 'via', '192.0.2.1']);
    await lab.ip(wan, ['addr', 'add', '198.51.100.2/24', 'dev', 'eth0']);
    await lab.ip(wan, ['route', 'add', '192.0.2.0/24', 'via', '198.51.100.1']);
    await lab.exec(fw, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1'], { check: true });
    await nftLoad(lab, fw, renderNftRuleset(validateHalfConf(MINIMAL, '/etc/half/half.conf')));
    await nftLoad(lab, fw, COUNT_TABLE);
    await nftLoad(lab, wan, COUNT_TABLE);
    guard = new NftGuard({ command: ['ip', 'netns', 'exec', fw, 'nft'] });
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it('holds a new forwarded flow while on, forwards it once off', async () => {
    await guard.on();
    const dropped = await guard.dropped();
    await udpFrom(lan, CLIENT, 41000, '198.51.100.2');
    expect(await counterReaches(fw, 'half', 'guard_dropped', dropped + 1)).toBe(true);
    expect(await nftCounter(lab, wan, 'probe', 'udp_in')).toBe(0);
    const flows = await lab.exec(fw, 'conntrack', ['-L', '-p', 'udp', '--sport', '41000']);
    expect(flows.stdout).not.toContain('sport=41000'); // dropped before it could make an entry

    await guard.off();
    await udpFrom(lan, CLIENT, 41000, '198.51.100.2');
    expect(await counterReaches(wan, 'probe', 'udp_in', 1)).toBe(true);
  });

  it('lets a flow whose entry exists through while on, and new UDP to the node itself', async () => {
    // the entry a commit would write: a UDP flow that has seen its reply
    await lab.exec(fw, 'conntrack', ['-I', '-p', 'udp', '-s', CLIENT, '-d', '198.51.100.2', '--sport', '42000', '--dport', '9999', '-t', '120', '-u', 'SEEN_REPLY'], { check: true });
    await guard.on();
    const before = await nftCounter(lab, wan, 'probe', 'udp_in');
    await udpFrom(lan, CLIENT, 42000, '198.51.100.2');
    expect(await counterReaches(wan, 'probe', 'udp_in', before + 1)).toBe(true);

    const local = await nftCounter(lab, fw, 'probe', 'udp_in');
    await udpFrom(lan, CLIENT, 43000, '192.0.2.1');
    expect(await counterReaches(fw, 'probe', 'udp_in', local + 1)).toBe(true);
    await guard.off();
  });
});
