// Two real keepalived instances (HALF-rendered configs) in network namespaces: the higher
// priority node gets both VIPs once its failback gate (resync-file) opens and not before, the
// notify FIFO and the notify script deliver MASTER/BACKUP, which NotifyFifoReader, parseHalfNotifyArgs and FailoverMachine understand; a brutal kill of
// the master (SIGSTOP all its processes, links down, SIGKILL, by pid) moves the VIPs and
// delivers MASTER on the survivor; a keepalived restart is read through the same FIFO.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifySource } from '../../../daemon/src/config/keepalived-conf.js';
import { FailoverMachine } from '../../../daemon/src/ha/failover-machine.js';
import { parseHalfNotifyArgs } from '../../../daemon/src/ha/half-notify.js';
import { requireTool, run } from '../../helpers/tools.js';
import { addresses, buildPair, hasEvent, scriptCalls, setResync, startKeepalived, waitFor, type PairNode } from './fixtures/keepalived-pair.js';
import { NetnsLab } from './fixtures/netns-lab.js';

const ELECTION_MS = 30_000;
/** Longer than keepalived's master-down interval (3 x advert_int + skew, about 3.6 s here). */
const GATED_HOLD_MS = 6_000;

describe('keepalived pair rendered by HALF', () => {
  const lab = new NetnsLab('k');
  let dir: string;
  let a: PairNode;
  let b: PairNode;

  beforeAll(async () => {
    requireTool('keepalived');
    requireTool('ip');
    dir = await mkdtemp(join(tmpdir(), 'half-ha-'));
    [a, b] = await buildPair(lab, dir);
    for (const node of [a, b]) await node.reader.start();
  });

  afterAll(async () => {
    for (const node of [a, b]) node?.reader.close();
    await lab.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes keepalived --config-test on both nodes', async () => {
    for (const node of [a, b]) {
      const result = await lab.exec(node.ns, 'keepalived', ['--config-test', '-f', node.confPath]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr + result.stdout).not.toMatch(/WARNING|error|unknown/i);
    }
  });

  it('keeps a returning node at priority 1 while its resync is pending, then lets it preempt: it holds both VIPs, the FIFO and the script say so', async () => {
    // b alone becomes MASTER and holds the table (its gate opens). a (priority 150 > 100) starts
    // with its gate closed (keepalived's init_file writes 1): it stays BACKUP at priority 1 for
    // longer than the master-down interval, then takes over once its gate opens.
    startKeepalived(lab, dir, b);
    await waitFor('GROUP HALF MASTER on b', () => hasEvent(b, 'GROUP', 'HALF', 'MASTER'), ELECTION_MS);
    expect(await readFile(b.config.vrrp.resyncFile, 'utf8')).toBe('1\n'); // init_file 1 overwrite
    setResync(b, false);
    expect(await addresses(lab, b.ns, 'lan0')).toContain('192.0.2.254');
    startKeepalived(lab, dir, a);
    await waitFor('INSTANCE BACKUP on a', () => a.events.some((e) => e.type === 'INSTANCE' && e.state === 'BACKUP'), ELECTION_MS);
    expect(a.events.filter((e) => e.type === 'INSTANCE').map((e) => e.priority)).toEqual([1, 1]);
    await new Promise((resolve) => setTimeout(resolve, GATED_HOLD_MS));
    expect(a.events.some((e) => e.state === 'MASTER')).toBe(false);
    expect(await addresses(lab, b.ns, 'lan0')).toContain('192.0.2.254');
    setResync(a, false);
    await waitFor('GROUP HALF MASTER on a', () => hasEvent(a, 'GROUP', 'HALF', 'MASTER'), ELECTION_MS);
    await waitFor('GROUP HALF BACKUP on b after its MASTER', () => b.events.at(-1)?.state === 'BACKUP' && b.events.at(-1)?.type === 'GROUP', ELECTION_MS);
    expect(await addresses(lab, a.ns, 'lan0')).toContain('192.0.2.254');
    expect(await addresses(lab, a.ns, 'wan0')).toContain('198.51.100.254');
    expect(await addresses(lab, b.ns, 'lan0')).not.toContain('192.0.2.254');
    expect(await addresses(lab, b.ns, 'wan0')).not.toContain('198.51.100.254');
    expect(a.events).toContainEqual({ type: 'INSTANCE', name: 'half_lan0', state: 'MASTER', priority: 150 });
    expect(a.events).toContainEqual({ type: 'INSTANCE', name: 'half_wan0', state: 'MASTER', priority: 150 });
    expect(a.reader.decoder.counters.malformed + b.reader.decoder.counters.malformed).toBe(0);

    await waitFor('notify script MASTER on a', async () => (await scriptCalls(a)).some((c) => c.join(' ') === 'GROUP HALF MASTER 0'), ELECTION_MS);
    const parsed = (await scriptCalls(a)).map(parseHalfNotifyArgs);
    expect(parsed.every((p) => p.ok)).toBe(true);
    expect(parsed).toContainEqual({ ok: true, event: { type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 } });

    for (const [node, role] of [[a, 'master'], [b, 'backup']] as const) {
      const machine = new FailoverMachine({ source: notifySource(node.config), mode: 'external-cache', purgeDelayMs: 1000 });
      for (const event of node.events) machine.handle(event);
      expect(machine.role).toBe(role);
    }
  });

  it('moves the VIPs and delivers MASTER on the survivor after a brutal kill', async () => {
    const before = b.events.length;
    const frozen = await lab.signalAll(a.ns, 'SIGSTOP');
    expect(frozen.length).toBeGreaterThanOrEqual(2); // keepalived parent and its VRRP child
    for (const ifname of ['lan0', 'wan0', 'sync0']) await lab.ip(a.ns, ['link', 'set', ifname, 'down']);
    await lab.signalAll(a.ns, 'SIGKILL');
    await waitFor('GROUP HALF MASTER on b', () => b.events.slice(before).some((e) => e.type === 'GROUP' && e.state === 'MASTER'), ELECTION_MS);
    expect(await addresses(lab, b.ns, 'lan0')).toContain('192.0.2.254');
    expect(await addresses(lab, b.ns, 'wan0')).toContain('198.51.100.254');
    await waitFor('notify script MASTER on b', async () => (await scriptCalls(b)).some((c) => c.join(' ') === 'GROUP HALF MASTER 0'), ELECTION_MS);
    const machine = new FailoverMachine({ source: notifySource(b.config), mode: 'external-cache', purgeDelayMs: 1000 });
    const plans = b.events.map((e) => machine.handle(e)).filter((t) => t !== undefined);
    expect(plans.map((t) => t.to)).toEqual(['backup', 'master', 'backup', 'master']);
    // the first standby role purges once (what an earlier life as MASTER may have left)
    expect(plans[0]?.plan.map((p) => p.kind)).toEqual(['guard-on', 'schedule-purge', 'request-resync']);
    expect(plans[2]?.plan.map((p) => p.kind)).toEqual(['stop-sending', 'guard-on', 'schedule-purge', 'request-resync']);
    expect(plans[3]?.plan.map((p) => p.kind)).toEqual(['cancel-purge', 'guard-on', 'commit-external-cache', 'guard-off', 'resync-own-table', 'become-sender']);
  });

  it('reads STOP and then a restarted keepalived through the same FIFO', async () => {
    const before = b.events.length;
    const pid = b.keepalived?.pid;
    expect(pid).toBeTypeOf('number');
    process.kill(pid as number, 'SIGTERM');
    await waitFor('GROUP HALF STOP on b', () => b.events.slice(before).some((e) => e.type === 'GROUP' && e.state === 'STOP'), ELECTION_MS);
    await waitFor('keepalived on b to exit', async () => (await lab.pids(b.ns)).length === 0, ELECTION_MS);
    expect(b.events.slice(before)).toContainEqual({ type: 'INSTANCE', name: 'half_lan0', state: 'STOP', priority: 100 });
    const opens = b.reader.counters.opens;
    startKeepalived(lab, dir, b);
    await waitFor('GROUP HALF MASTER again on b', () => b.events.slice(before).some((e) => e.type === 'GROUP' && e.state === 'MASTER'), ELECTION_MS);
    expect(b.reader.counters.opens).toBe(opens); // our FIFO survived: keepalived reused it
    const stat = await run('stat', ['-c', '%F', b.config.vrrp.notifyFifo], { check: true });
    expect(stat.stdout.trim()).toBe('fifo');
  });
});
