// The daemon's outward side, wired on top of the replication core (daemon.ts): the failover
// machine and driver with their executor, the notify inputs (FIFO, control socket), the control
// socket, the metrics endpoint, the status snapshot and the periodic health log.
import type { ExternalCaches } from '../cache/external-caches.js';
import type { FlowCache } from '../cache/flow-cache.js';
import type { HalfConfig } from '../config/half-conf.js';
import { configDigest } from '../config/config-digest.js';
import { notifySource } from '../config/keepalived-conf.js';
import { ControlServer } from '../control/control-server.js';
import type { DaemonStatus, SyncLinksView } from '../control/status-model.js';
import { FailoverDriver } from '../ha/failover-driver.js';
import { FailoverMachine } from '../ha/failover-machine.js';
import { planStop } from '../ha/failover-plan.js';
import { NftGuard } from '../ha/nft-guard.js';
import { NftTable, NftTableKeeper } from './nft-table-keeper.js';
import { daemonMetrics } from '../metrics/daemon-metrics.js';
import { renderExposition } from '../metrics/exposition.js';
import type { Logger } from '../metrics/logger.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import type { Clock } from '../sync/clock.js';
import type { SyncNode } from '../sync/sync-node.js';
import { DaemonControlHandler } from './control-handler.js';
import type { DaemonOptions } from './daemon.js';
import type { DirectInjector } from './direct-injector.js';
import type { ExternalCommitter } from './external-commit.js';
import { DaemonFailoverExecutor } from './failover-executor.js';
import { localAddresses } from './flow-filter-wiring.js';
import { FrozenCopyUpkeep, mergeSource } from './frozen-copies.js';
import { nextHealthReport, type HealthState } from './health-log.js';
import { inferredStartEvent } from './initial-state.js';
import type { KernelFeed } from './kernel-feed.js';
import type { EntryReadbackCounters } from './entry-readback.js';
import type { KernelSubscription } from './kernel-subscription.js';
import type { LagTracker } from './lag-tracker.js';
import { NotifyInputs } from './notify-inputs.js';
import type { StalePurge } from './stale-purge.js';
import { statusSnapshot } from './status-snapshot.js';
import type { TableResync } from './table-resync.js';

const HEALTH_LOG_MS = 10_000;
/** How often a sender merges or empties the copies of peers that no longer send (frozen-copies.ts). */
const FORGET_FROZEN_MS = 1000;

export interface ServiceDeps {
  readonly config: HalfConfig;
  readonly options: DaemonOptions;
  readonly clock: Clock;
  readonly startedAt: number;
  readonly node: SyncNode;
  readonly internal: FlowCache;
  readonly external: ExternalCaches;
  readonly committer: ExternalCommitter;
  readonly ownTable: TableResync;
  readonly purge: StalePurge;
  readonly feed: KernelFeed;
  /** Connections read back from the kernel (entry-readback.ts). */
  readonly readback: { readonly counters: EntryReadbackCounters };
  readonly events: KernelSubscription;
  readonly link: LagTracker;
  /** With two sync links: how each fares. */
  readonly syncLinks: (() => SyncLinksView) | undefined;
  /** Times a multicast sync link joined its group anew (sync-link.ts). */
  readonly multicastRejoins: () => number;
  readonly direct: DirectInjector | undefined;
  /** The kernel writer's small exchanges answered within the call and those left to the binding (request-exchange.ts). */
  readonly writerExchanges: () => { readonly inCall: number; readonly viaBinding: number };
  /** Where to register what must be closed at stop (run in reverse order). */
  readonly closers: (() => Promise<void> | void)[];
}

export interface Services {
  status(): Promise<DaemonStatus>;
  /** Loads HALF's nftables table again if it is gone (nft-table-keeper.ts). Never rejects. */
  checkNftTable(reason: string): Promise<void>;
  /** Stops the inputs (FIFO, control socket, metrics, timers) and waits for running plans. */
  quiesce(): Promise<void>;
}

export async function openServices(deps: ServiceDeps): Promise<Services> {
  const { config, options, clock, node, logger } = { ...deps, logger: deps.options.logger };
  const machine = new FailoverMachine({ source: notifySource(config), mode: config.daemon.mode, purgeDelayMs: config.daemon.purgeDelaySeconds * 1000 });
  const guard = new NftGuard();
  const nftTable = new NftTableKeeper(new NftTable(config), guard, logger);
  nftTable.start();
  deps.closers.push(() => nftTable.stop());
  const executor = new DaemonFailoverExecutor({
    guard,
    committer: deps.committer,
    ownTable: deps.ownTable,
    events: deps.events,
    internal: deps.internal,
    purge: deps.purge,
    node: { becomeSender: () => node.becomeSender(), becomeReceiver: () => node.becomeReceiver(), requestResync: () => node.requestResync(), forgetFrozenCopies: () => node.forgetFrozenCopies(), takeoverBegins: () => node.takeoverBegins(), peerSends: () => node.peerSends(), noteOwnClose: (table, key) => node.noteOwnClose(table, key) },
    logger,
    tableCheck: (reason) => nftTable.check(reason),
  });
  const driver = new FailoverDriver(machine, executor, clock);
  const notify = new NotifyInputs(config, driver, logger);
  let control: ControlServer | undefined;
  let metrics: MetricsServer | undefined;
  const digest = configDigest(config, options.clusterKey);
  const copies = new FrozenCopyUpkeep(node, mergeSource(deps.external, node, deps.internal), deps.committer, logger, clock, () => deps.ownTable.busy || executor.closesPending);
  const status = (): Promise<DaemonStatus> =>
    statusSnapshot({
      version: options.version,
      configFile: config.source,
      configDigest: digest,
      mode: config.daemon.mode,
      startedAt: deps.startedAt,
      now: () => clock.now(),
      role: () => machine.role,
      sync: () => node.status(),
      syncLinks: () => deps.syncLinks?.(),
      channel: () => ({ multicastRejoins: deps.multicastRejoins() }),
      kernelEvents: () => deps.events.stats(),
      kernelExtra: () => ({
        ...prefixed('feed', deps.feed.counters),
        ...prefixed('readback', deps.readback.counters),
        ...prefixed('subscription', deps.events.counters),
        ...prefixed('tableResync', deps.ownTable.counters),
        ...prefixed('purge', deps.purge.counters),
        ...prefixed('frozenCopy', copies.counters),
        ...prefixed('nftTable', nftTable.counters),
        ...(deps.direct === undefined ? {} : prefixed('direct', deps.direct.counters)),
        ...prefixed('writerExchanges', deps.writerExchanges()),
        commitFailedEntries: deps.committer.failedEntries,
        failoverPlans: driver.counters.plans,
        failoverActionsFailed: driver.counters.actionsFailed,
        failoverActionsSkipped: driver.counters.actionsSkipped,
        failoverEventsIgnored: machine.counters.ignored,
        notifyFifoEvents: notify.counters.fifoEvents,
        ...prefixed('notifyFifoLines', notify.fifoLines()),
        notifyControlEvents: notify.counters.controlEvents,
        notifyScriptCallsRecordedOnly: notify.counters.controlRecordedOnly,
      }),
      commits: () => deps.committer.stats(),
      replicationLag: () => deps.link.histogram.snapshot(clock.now()),
      control: () => ({ ...control?.flatCounters(), ...prefixed('metrics', metrics?.counters ?? {}) }),
    });
  const handler = new DaemonControlHandler({
    status,
    committer: deps.committer,
    ownTable: deps.ownTable,
    internal: deps.internal,
    external: deps.external,
    requestPeerResync: () => {
      node.requestResync();
      return [...node.peers.values()].length;
    },
    notify,
    logger,
  });
  // keepalived's FIFO before the control socket: once `half status` answers, every input is open
  await notify.start();
  deps.closers.push(() => notify.stop());
  control = new ControlServer(handler, { path: config.daemon.controlSocket, logger });
  await control.listen();
  deps.closers.push(() => control?.close());
  if (config.daemon.metricsPort !== 0) {
    metrics = new MetricsServer({ port: config.daemon.metricsPort, render: async () => renderExposition(daemonMetrics(await status())), logger });
    await metrics.listenOrRetry();
    deps.closers.push(() => metrics?.close());
  }
  let health: HealthState | undefined;
  const timer = setInterval(() => {
    const report = nextHealthReport(health, node.status());
    health = report.state;
    for (const id of report.peersUp) logger.info('peer up', { node: id });
    for (const id of report.peersDown) logger.warn('peer silent: no authentic frame within the peer timeout', { node: id });
    if (Object.keys(report.drops).length > 0) logger.warn('sync frames dropped', report.drops);
    if (report.drops['ownNodeId'] !== undefined) {
      logger.error('authentic sync frames carry this node\'s own id: another node has the same [node] id', {
        node: config.node.id,
        frames: report.drops['ownNodeId'],
        fix: 'give every node its own [node] id in /etc/half/half.conf (the same id on two nodes repeats AES-GCM nonces under the cluster key)',
      });
    }
  }, HEALTH_LOG_MS);
  timer.unref();
  deps.closers.push(() => clearInterval(timer));
  const forgetting = setInterval(() => {
    if (config.daemon.mode === 'external-cache') copies.tick();
  }, FORGET_FROZEN_MS);
  forgetting.unref();
  deps.closers.push(() => clearInterval(forgetting));
  // keepalived may have spoken while the sockets above opened: its word stands over a guess
  const start = machine.role === 'starting' ? inferredStartEvent(config, localAddresses()) : undefined;
  if (machine.role !== 'starting') {
    logger.info('keepalived reported before the start finished: its state stands', { role: machine.role });
  } else if (start !== undefined) {
    logger.info('this node holds its virtual addresses: taking it for MASTER until keepalived reports');
    driver.handle(start);
  } else if (config.daemon.mode === 'external-cache') {
    logger.info('this node holds no virtual address: a standby (takeover guard on) until keepalived reports');
    driver.run(machine.startPlan());
  }
  // direct mode, a standby: its kernel may hold connections the sender closed while this daemon
  // was down; no copy holds them, so no delete would reach them (SyncNode.kernelHolds)
  if (deps.direct !== undefined && machine.role !== 'master') await handKernelToNode(node, deps.ownTable, logger);
  startSyncNode(node, machine.role === 'master' ? driver.whenIdle() : undefined, logger);
  return {
    status,
    checkNftTable: (reason) => nftTable.check(reason),
    async quiesce() {
      clearInterval(timer);
      clearInterval(forgetting);
      await copies.settled;
      nftTable.stop();
      await notify.stop();
      await control?.close();
      await metrics?.close();
      driver.close(); // no purge falls due while the daemon stops
      driver.run(planStop(config.daemon.mode));
      await driver.whenIdle();
    },
  };
}

/**
 * Direct mode, a standby starting: what its kernel holds now goes to the sync node, which deletes
 * from the kernel what the live sender's first full resync lacks. A failed read is logged, and
 * the start goes on: those entries then stay until their conntrack timeout, as before.
 */
async function handKernelToNode(node: SyncNode, ownTable: TableResync, logger: Logger): Promise<void> {
  try {
    const records = await ownTable.readKernel();
    node.kernelHolds(records);
    logger.info('direct mode: the kernel\'s replicated entries are checked against the sender\'s first full resync', { entries: records.length });
  } catch (error) {
    logger.warn('direct mode: reading the kernel table at start failed; entries the sender closed while half-syncd was down stay until they time out', { error: (error as Error).message });
  }
}

/** Longest silence of a restarted MASTER on the sync link (startSyncNode). */
const MASTER_SILENCE_MAX_MS = 30_000;

/**
 * Starts the sync node: now, or for a MASTER (a daemon restarted on the node that holds the
 * virtual addresses: an upgrade, `half configure --apply`) once its plan has made it the sender.
 * Its kernel still holds every connection, and the peers keep their copy of its last epoch until
 * they hear the new one. Heard first as a receiver, it would answer their full resync requests
 * with its empty table, and the end of that resync would sweep their copy (in direct mode, their
 * kernel entries too) while no node is the sender; silent, it is simply not heard for the second
 * or so the plan takes, and the peers' requests, repeated until answered, join its first full
 * resync as the sender. The silence ends after MASTER_SILENCE_MAX_MS whatever the plan does.
 */
function startSyncNode(node: SyncNode, settled: Promise<void> | undefined, logger: Logger): void {
  if (settled === undefined) {
    node.start();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn('the MASTER\'s start plan is still running: announcing this node on the sync link now', { afterMs: MASTER_SILENCE_MAX_MS });
      resolve();
    }, MASTER_SILENCE_MAX_MS);
    timer.unref();
  });
  void Promise.race([settled, late]).then(() => {
    clearTimeout(timer);
    node.start();
  });
}

function prefixed(prefix: string, counters: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(counters)) if (typeof value === 'number') out[`${prefix}${key[0]?.toUpperCase() ?? ''}${key.slice(1)}`] = value;
  return out;
}
