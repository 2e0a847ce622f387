import { afterAll, describe, expect, it } from 'vitest';
import { NetworkSafetyError } from '../helpers/doc-addresses.js';
import { spawnSync } from 'node:child_process';
import { createNamespaces, sweepLeftovers, type NamespaceSet } from '../helpers/netns.js';
import { isRunning } from '../helpers/root-processes.js';
import { requireTool, run } from '../helpers/tools.js';

const sets: NamespaceSet[] = [];
afterAll(async () => {
  for (const set of sets) await set.cleanup();
});
function namespaces(label: string): NamespaceSet {
  const set = createNamespaces(label);
  sets.push(set);
  return set;
}
async function listed(): Promise<string[]> {
  return (await run('ip', ['netns', 'list'], { check: true })).stdout.split('\n').map((line) => line.split(' ')[0] ?? '');
}

describe('createNamespaces', () => {
  it('links two namespaces with a veth pair that ping each other, then removes them', async () => {
    requireTool('ip');
    requireTool('ping');
    const net = namespaces('selftest');
    const a = await net.addNs('a');
    const b = await net.addNs('b');
    expect(a.startsWith(net.prefix)).toBe(true);
    await net.veth('a', 'veth-a', 'b', 'veth-b');
    await net.addr('a', 'veth-a', '203.0.113.1/30');
    await net.addr('b', 'veth-b', '203.0.113.2/30');
    await net.addr('b', 'veth-b', '2001:db8:113::2/64');
    await net.addr('a', 'veth-a', '2001:db8:113::1/64');
    const ping = await net.exec('a', ['ping', '-c', '1', '-W', '5', '203.0.113.2']);
    expect(ping.exitCode, ping.stdout + ping.stderr).toBe(0);
    expect(ping.stdout).toContain('1 received');
    const ping6 = await net.exec('b', ['ping', '-6', '-c', '1', '-W', '5', '2001:db8:113::1']);
    expect(ping6.exitCode, ping6.stdout + ping6.stderr).toBe(0);
    // the host cannot see the pair: both ends live in the namespaces
    expect((await run('ip', ['link', 'show', 'veth-a'])).exitCode).not.toBe(0);
    await net.setLink('b', 'veth-b', 'down');
    expect((await net.exec('a', ['ping', '-c', '1', '-W', '1', '203.0.113.2'])).exitCode).not.toBe(0);

    expect(await listed()).toEqual(expect.arrayContaining([a, b]));
    await net.cleanup();
    const after = await listed();
    expect(after).not.toContain(a);
    expect(after).not.toContain(b);
    await net.cleanup(); // safe twice
  });

  it('bridges three namespaces and routes between prefixes', async () => {
    const net = namespaces('bridge');
    for (const name of ['sw', 'c1', 'c2', 'gw']) await net.addNs(name);
    await net.veth('c1', 'eth0', 'sw', 'p1');
    await net.veth('c2', 'eth0', 'sw', 'p2');
    await net.veth('gw', 'lan', 'sw', 'p3');
    await net.bridge('sw', 'br0', ['p1', 'p2', 'p3']);
    await net.addr('c1', 'eth0', '192.0.2.11/24');
    await net.addr('c2', 'eth0', '192.0.2.12/24');
    await net.addr('gw', 'lan', '192.0.2.1/24');
    await net.addNs('srv');
    await net.veth('gw', 'wan', 'srv', 'eth0');
    await net.addr('gw', 'wan', '198.51.100.1/24');
    await net.addr('srv', 'eth0', '198.51.100.10/24');
    await net.route('c1', 'default', '192.0.2.1');
    await net.route('srv', '192.0.2.0/24', '198.51.100.1');
    await net.exec('gw', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], { check: true });
    expect((await net.exec('c1', ['ping', '-c', '1', '-W', '5', '192.0.2.12'])).exitCode).toBe(0);
    expect((await net.exec('c1', ['ping', '-c', '1', '-W', '5', '198.51.100.10'])).exitCode).toBe(0);
  });

  it('kills what it spawned and anything else left inside, by pid', async () => {
    const net = namespaces('procs');
    await net.addNs('n');
    const sleeper = net.spawn('n', ['sleep', '600']);
    const stubborn = net.spawn('n', ['sh', '-c', 'trap "" TERM; sleep 600 & wait']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pids = (await run('ip', ['netns', 'pids', net.nsName('n')])).stdout.split('\n').filter(Boolean).map(Number);
    expect(pids).toContain(sleeper.pid);
    expect(pids).toContain(stubborn.pid);
    await net.cleanup();
    expect((await sleeper).signal).toBe('SIGTERM');
    expect((await stubborn).signal).toBe('SIGKILL');
    expect(pids.length).toBeGreaterThanOrEqual(3); // sleep, sh, and the sleep sh started
    for (const pid of pids) expect(isRunning(pid), `pid ${pid}`).toBe(false);
    expect(await listed()).not.toContain(`${net.prefix}-n`);
  });

  it('refuses addresses and routes outside the documentation ranges, and foreign namespaces', async () => {
    const net = namespaces('safety');
    await net.addNs('x');
    await net.veth('x', 'v0', 'x', 'v1');
    await expect(net.addr('x', 'v0', '10.0.0.1/24')).rejects.toThrow(NetworkSafetyError);
    await expect(net.addr('x', 'v0', '10.0.0.1')).rejects.toThrow(/refusing network address "10\.0\.0\.1".*203\.0\.113\.0\/24/);
    await expect(net.route('x', 'default', '10.0.0.254')).rejects.toThrow(NetworkSafetyError);
    await expect(net.route('x', '0.0.0.0/0', '203.0.113.1')).rejects.toThrow(NetworkSafetyError);
    const addrs = await net.exec('x', ['ip', '-o', 'addr', 'show', 'dev', 'v0'], { check: true });
    expect(addrs.stdout).not.toContain('10.0.0.1');
    expect(() => net.nsName('not-mine')).toThrow(/was not created by this set/);
    await expect(net.veth('x', 'v2', 'other', 'v3')).rejects.toThrow(/was not created by this set/);
    await expect(net.addNs('bad name')).rejects.toThrow(/namespace name/);
    await expect(net.veth('x', 'a-very-long-interface', 'x', 'v3')).rejects.toThrow(/1-15 characters/);
  });
});

describe('sweepLeftovers', () => {
  it('removes what a test process that is gone left, and nothing of a live one', async () => {
    requireTool('ip');
    const dead = spawnSync('true').pid as number; // exited: its pid names no process now
    const gone = `half-sweep-${dead.toString(36)}beef-fw`;
    const live = `half-sweep-${process.pid.toString(36)}beef-fw`;
    const listed = async () => (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]);
    await run('ip', ['netns', 'add', gone], { check: true });
    await run('ip', ['netns', 'add', live], { check: true });
    try {
      expect(sweepLeftovers(), 'made just now: it may be another pid namespace\'s').not.toContain(gone);
      const removed = sweepLeftovers(0);
      expect(removed).toContain(gone);
      expect(removed).not.toContain(live);
      expect(await listed()).not.toContain(gone);
      expect(await listed()).toContain(live);
    } finally {
      await run('ip', ['netns', 'delete', gone]);
      await run('ip', ['netns', 'delete', live]);
    }
  });
});
