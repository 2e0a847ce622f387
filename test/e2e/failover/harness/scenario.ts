// The failover scenario, start to finish (issue 5 §1): the topology, both firewalls booted with
// the stateful ruleset and the stack's HA software, traffic from tom and jerry to the gateway
// through the VIPs, the standby in sync, halfone switched off brutally, the switch observed;
// then (failback) halfone back on, resynced, taking over again, observed the same way. Returns
// every observation as data; removes every namespace and process it made, even on failure.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createNamespaces } from '../../../helpers/netns.js';
import { FIREWALLS, HOSTS, PORTS, type FirewallName } from './addresses.js';
import { injectEntries } from './extra-entries.js';
import { bootFirewall } from './firewall-setup.js';
import { observePhase, vipArrival, type PhaseContext } from './phase-observer.js';
import { powerOff, powerOn } from './power.js';
import { probeTcp } from './probe.js';
import { sleep, waitUntil } from './processes.js';
import { installRstCounters, readRstCounters, type RstCounts } from './rst-counter.js';
import type { ScenarioOptions } from './scenario-options.js';
import type { PhaseRecord, ScenarioResult } from './scenario-result.js';
import type { FirewallNode, FirewallStack } from './stack.js';
import { buildTopology } from './topology.js';
import { now } from './traffic/flow-recorder.js';
import { clientConfigs, serverConfig } from './traffic/configs.js';
import type { ClientResult, ServerResult } from './traffic/results.js';
import { startTrafficProcess, type TrafficProcess } from './traffic/traffic-process.js';
import { watchVips, type VipWatcher } from './vip.js';

/** When a check that ended while halftwo still held the VIPs found halfone holding every flow
 *  (undefined: no such check succeeded before halfone took the VIPs). */
async function watchResync(stack: FirewallStack, watcher: VipWatcher, onAt: number, timeoutMs: number, everyMs: number): Promise<number | undefined> {
  let resyncedAt: number | undefined;
  const check = async (): Promise<boolean> => {
    if (vipArrival(watcher, 'halfone', onAt) !== undefined) return true;
    if (!(await stack.isSynced())) return false;
    const checkedAt = now();
    await sleep(100); // let the VIP monitors' lines in: ip stamps them, we only read them late
    const moved = vipArrival(watcher, 'halfone', onAt);
    if (moved === undefined || moved > checkedAt) resyncedAt = checkedAt;
    return true;
  };
  await waitUntil(check, timeoutMs, 'halfone to resync or take over', () => false, everyMs).catch(() => undefined);
  return resyncedAt;
}

/** Has the FTP client send a PORT and wait for its answer, asking for the file only after the
 *  next switch (observePhase's SIGUSR2): the helper's expectation for that data connection is
 *  made on the active node before the switch and must be on the new master after it. The steady
 *  period that follows gives the stack time to replicate it; one that has not by the switch fails
 *  the ftp-pending-transfer criterion. */
async function armPendingTransfer(ftpClient: TrafficProcess<ClientResult> | undefined): Promise<void> {
  // the client arms it after the transfers it is still running (up to two 5 s timeouts)
  await ftpClient?.ask('SIGHUP', 'armed', 20_000, 'the FTP server to answer the pending transfer\'s PORT');
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { stack, runDir } = options;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(options.label)) throw new RangeError(`scenario label "${options.label}" must be lowercase letters, digits and dashes (it names report/<label>/)`);
  const net = createNamespaces('failover');
  let vipWatcher: VipWatcher | undefined;
  try {
    const startedAt = now();
    await mkdir(join(runDir, 'traffic'), { recursive: true });
    await buildTopology(net);
    for (const fw of Object.values(FIREWALLS)) await bootFirewall(net, fw);
    for (const host of Object.keys(HOSTS)) await installRstCounters(net, host);
    const watcher = (vipWatcher = watchVips(net, ['halfone', 'halftwo']));
    const node = (name: FirewallName): FirewallNode => ({ addresses: FIREWALLS[name], net, dir: join(runDir, name) });

    await stack.start(node('halfone'));
    await waitUntil(() => vipArrival(watcher, 'halfone', startedAt) !== undefined, 20_000, 'halfone to become master');
    await stack.start(node('halftwo'));

    const server = startTrafficProcess<ServerResult>(net, 'gateway', 'flow-server-main.ts', serverConfig(options));
    await server.waitReady(30_000);
    const clients = clientConfigs(options).map((config) => startTrafficProcess<ClientResult>(net, config.host, 'flow-client-main.ts', config));
    await Promise.all(clients.map((c) => c.waitReady(120_000)));
    const trafficReadyAt = now();
    const probesBefore = [
      await probeTcp(net, 'jerry', HOSTS.tom.address, PORTS.lanService),
      await probeTcp(net, 'gateway', HOSTS.tom.address, PORTS.lanService),
    ];

    const injected = options.extraEntries > 0 ? { entries: await injectEntries(net, 'halfone', options.extraEntries), at: now() } : undefined;
    let syncedAt: number | undefined;
    // comparing two large tables costs CPU the traffic needs: poll them less often
    const pollMs = options.extraEntries > 0 ? 1000 : 250;
    await waitUntil(async () => (await stack.isSynced()) && (syncedAt = now()) !== undefined, options.syncTimeoutMs, 'the standby to hold every flow', () => false, pollMs).catch(() => undefined);
    const ftpClient = options.ftp ? clients[0] : undefined;
    await armPendingTransfer(ftpClient);
    await sleep(options.steadyMs);

    const ctx: PhaseContext = {
      net,
      vips: watcher,
      clients,
      ftpClient,
      recoveryWindowMs: options.recoveryWindowMs,
      settleMs: options.settleMs,
      liveWindowMs: Math.max(1000, options.intervalMs * 5),
      vipTimeoutMs: options.recoveryWindowMs + 20_000,
    };
    const phases: PhaseRecord[] = [];
    const off = await powerOff(net, FIREWALLS.halfone, watcher.pids);
    phases.push(await observePhase(ctx, 'failover', off.linksDownAt, 'halftwo'));

    if (options.failback) {
      await armPendingTransfer(ftpClient);
      await sleep(options.steadyMs);
      const onAt = await powerOn(net, FIREWALLS.halfone);
      const observed = observePhase(ctx, 'failback', onAt, 'halfone');
      await stack.start(node('halfone'));
      const checkedAt = await watchResync(stack, watcher, onAt, ctx.vipTimeoutMs, pollMs / 2);
      const record = await observed;
      if (checkedAt !== undefined) phases.push({ ...record, resyncedAt: checkedAt, resyncedBy: 'check' });
      else {
        // the node's own word counts only if it came before the VIPs did
        const reported = await stack.resyncReportedAt?.('halfone', onAt);
        const moved = vipArrival(watcher, 'halfone', onAt);
        phases.push(reported !== undefined && (moved === undefined || reported < moved) ? { ...record, resyncedAt: reported, resyncedBy: 'node' } : record);
      }
    }

    const rst: Record<string, RstCounts> = {};
    for (const host of Object.keys(HOSTS)) rst[host] = await readRstCounters(net, host);
    const takeovers = await stack.takeovers();
    const clientResults = await Promise.all(clients.map((c) => c.finish(30_000)));
    const serverResult = await server.finish(30_000);
    const details = await stack.details();
    return {
      label: options.label,
      stack: stack.label,
      replicates: stack.replicates,
      details,
      size: {
        tcpFlows: options.tcpFlows,
        udpFlows: options.udpFlows,
        collidingTcp: options.collidingTcp,
        collidingUdp: options.collidingUdp,
        intervalMs: options.intervalMs,
        ftp: options.ftp,
        extraEntries: options.extraEntries,
      },
      recoveryWindowMs: options.recoveryWindowMs,
      startedAt,
      trafficReadyAt,
      injected,
      syncedAt,
      phases,
      probesBefore,
      clients: clientResults,
      server: serverResult,
      rst,
      takeovers,
      vipEvents: [...watcher.events],
      endedAt: now(),
    };
  } finally {
    vipWatcher?.stop();
    await stack.stop().catch(() => undefined);
    await net.cleanup();
  }
}
