// half-syncd's object graph and lifecycle. Everything the daemon is made of is chosen and wired
// here (STYLE.md rule 4), in the order that keeps its promises:
//   1. the boot epoch is stored before any frame can be sent (AES-GCM nonces never repeat);
//   2. the kernel sockets and the sync link are opened; any failure stops the start, and what
//      was opened is closed again;
//   3. the protocol starts (as a receiver), then the control socket, the metrics endpoint and the
//      notify FIFO; our own table is followed only once this node becomes the sender
//      (kernel-subscription.ts: the failover plan subscribes, then reads the table from a dump);
//   4. a node that already holds its virtual addresses takes itself for MASTER (initial-state.ts).
// Right after the boot epoch, the failback gate's track file gets its first value; it follows
// the protocol's state from then on (resync-tracker.ts).
// stop() undoes it in reverse: inputs first, then the protocol (pending changes are flushed),
// then the sockets.
import { randomInt } from 'node:crypto';
import { StartStoppedError } from '../errors.js';
import { ExternalCaches } from '../cache/external-caches.js';
import { FlowCache } from '../cache/flow-cache.js';
import type { HalfConfig } from '../config/half-conf.js';
import type { DaemonStatus } from '../control/status-model.js';
import { NetlinkKernelEvents, warmEventReader } from '../kernel/netlink-kernel-events.js';
import { conntrackPacking } from '../kernel/record-packing.js';
import type { Logger } from '../metrics/logger.js';
import { systemClock, type Clock } from '../sync/clock.js';
import { SyncNode } from '../sync/sync-node.js';
import { FrameKeys } from '../wire/keys.js';
import { claimBootEpoch } from './boot-epoch.js';
import { DirectInjector } from './direct-injector.js';
import { ExternalCommitter } from './external-commit.js';
import { effectiveFlowFilter, localAddresses } from './flow-filter-wiring.js';
import { inferredStartEvent } from './initial-state.js';
import { KernelFeed } from './kernel-feed.js';
import { conntrackEventsSetting, KernelSubscription } from './kernel-subscription.js';
import { LagTracker } from './lag-tracker.js';
import { openServices, type Services } from './services.js';
import { EntryReadback } from './entry-readback.js';
import { KernelLabelsRead } from './kernel-labels.js';
import { MasterZones, MasterZoneSink } from './master-zones.js';
import { StalePurge } from './stale-purge.js';
import { ResyncTracker } from './resync-tracker.js';
import { nodeView } from './resync-verdict.js';
import { acceptSourceFor, linkSyncOptions, openSyncChannel } from './sync-link.js';
import { TableResync } from './table-resync.js';
import { openKernel, openLabelsDumper } from './kernel-sockets.js';

export interface DaemonOptions {
  readonly config: HalfConfig;
  readonly clusterKey: Uint8Array;
  readonly stateDir: string;
  readonly version: string;
  readonly logger: Logger;
  /** How long the start waits for a sync address not on the node yet (default 0: not at all). */
  readonly addressWaitMs?: number;
  /** A stop asked while starting: ends the wait for the sync address, and the start (StartStoppedError). */
  readonly abort?: AbortSignal;
  readonly clock?: Clock;
  /** Wall-clock seconds (the boot epoch); default Date.now() / 1000. */
  readonly wallSeconds?: () => number;
}

export interface RunningDaemon {
  readonly bootEpoch: number;
  status(): Promise<DaemonStatus>;
  /** Loads HALF's nftables table again if it is gone (SIGHUP). Never rejects. */
  checkNftTable(reason: string): Promise<void>;
  /** Stops everything; resolves when every socket is closed. Idempotent. */
  stop(reason: string): Promise<void>;
}

/** The cluster id in every frame header: VRRP's router id, the same on every node and unique on the network. */
export function clusterIdOf(config: HalfConfig): number {
  return config.vrrp.routerId;
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const { filter, settings } = effectiveFlowFilter(config);
  const keys = new FrameKeys(options.clusterKey, clusterIdOf(config));
  const bootEpoch = await claimBootEpoch(options.stateDir, (options.wallSeconds ?? (() => Date.now() / 1000))());
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await Promise.resolve().then(close).catch(() => undefined);
    closers.length = 0;
  };
  try {
    const pending = inferredStartEvent(config, localAddresses()) === undefined;
    const resync = ResyncTracker.open({ path: config.vrrp.resyncFile, clock, logger, pending });
    closers.push(() => resync.stop());
    const { writer, dumper } = openKernel();
    closers.push(() => writer.close(), () => dumper.close());
    const sync = await openSyncChannel(config, clock, logger, options.addressWaitMs ?? 0, options.abort);
    // a stop that came while the link was awaited: nothing more starts (no takeover on a VIP holder)
    if (options.abort?.aborted === true) {
      await sync.channel.close();
      throw new StartStoppedError('stopped while starting, once the sync link was open');
    }
    const link = new LagTracker(sync.channel, clock);
    closers.push(() => link.close());
    const internal = new FlowCache();
    const external = new ExternalCaches();
    const direct = config.daemon.mode === 'direct' ? new DirectInjector(writer, logger) : undefined;
    const node = new SyncNode({
      clock,
      channel: link,
      keys,
      nodeId: config.node.id,
      bootEpoch,
      role: 'receiver',
      initialSeq: randomInt(0, 0xffffffff),
      acceptSource: acceptSourceFor(config),
      internal,
      external,
      ...(direct === undefined ? {} : { onExternalChange: direct.onChange }),
      packing: conntrackPacking,
      options: await linkSyncOptions(config),
    });
    link.watch(() => node.outbound.receivers.values());
    let ownTable: TableResync | undefined;
    const writerPort = writer.port; // getsockname(2) once, not per event
    const feed = new KernelFeed({
      localChange: (change) => node.localChange(change),
      settled: () => node.localChangesSettled(),
      internal,
      writerPort: () => writerPort,
      readBack: (key) => readback.readBack(key), // events flow only once `readback` below exists
      labelsSeen: () => writer.labelsInUse(),
      onOverrun: (info) => {
        logger.warn('kernel events were lost (event socket overrun): re-reading the table', { overruns: info.overruns, ...(info.droppedByKernel === undefined ? {} : { dropped: info.droppedByKernel }) });
        ownTable?.heal('overrun');
      },
    });
    const maxInFlight = Math.max(64, Math.floor(node.options.resendQueueFrames / 16));
    // the kernel reports expectations without their zone: they get their master's (master-zones.ts)
    const zones = new MasterZones();
    ownTable = new TableResync({
      dumper, filter, feed, internal, zones, clock, logger, maxInFlight,
      localChange: (change) => node.localChange(change),
      inFlight: () => node.outbound.queue.length,
    });
    const table = ownTable;
    const eventsSetting = await conntrackEventsSetting();
    const alwaysOn = eventsSetting !== 1;
    if (alwaysOn) {
      logger.warn('net.netfilter.nf_conntrack_events is not 1: following conntrack events all the time (more CPU on the standby)', {
        value: eventsSetting ?? 'unreadable',
        fix: 'sysctl -w net.netfilter.nf_conntrack_events=1 (HALF\'s sysctl.d snippet sets it)',
      });
    }
    // helpers' sequence adjustments come with no event, cleared labels with an event that does
    // not say so: such connections are read back (entry-readback.ts)
    const readback = new EntryReadback(feed, dumper, filter, logger);
    const afterPause = async (reason: string): Promise<void> => table.heal(`after ${reason}`);
    // the echoes of our own writes (a standby following events writes one per entry it is sent)
    // are dropped by the reader, before they are decoded or make it nap; the feed skips any left
    const isolation = config.daemon.eventReader === 'pump' ? 'pump' : 'direct';
    await warmEventReader(isolation); // the keeper's file is read now, not at a takeover during an upgrade
    const events = new KernelSubscription(() => new NetlinkKernelEvents({ filter, isolation, dropOriginPorts: [writerPort] }), new MasterZoneSink(readback, zones, internal), afterPause, logger, alwaysOn);
    closers.push(() => events.close());
    if (alwaysOn) {
      await events.activate();
      await table.request('start');
    }
    const labelsRead = new KernelLabelsRead(openLabelsDumper(), writer, filter, logger); // not awaited: see kernel-labels.ts
    closers.push(() => labelsRead.stop());
    closers.push(() => node.stop()); // started by openServices, once it knows whether this node is the MASTER
    resync.follow(() => nodeView(node, clock.now()));
    logger.info('half-syncd replicating', {
      node: config.node.id,
      epoch: bootEpoch,
      mode: config.daemon.mode,
      links: config.sync.links.map((l) => `${l.address.text}:${config.sync.port}`).join(','),
      ignored: (settings.ignoreAddresses ?? []).join(','),
    });
    const committer = new ExternalCommitter(external, writer, events, clock, logger, () => node.originsByLastSending());
    const purge = new StalePurge(dumper, writer, events, filter, zones, clock, logger);
    const services: Services = await openServices({
      config, options, clock, startedAt, node, internal, external, committer, ownTable, purge, feed, readback, events, link, syncLinks: sync.links, multicastRejoins: sync.multicastRejoins, direct,
      writerExchanges: () => writer.exchanges, closers,
    });
    let stopping: Promise<void> | undefined;
    return {
      bootEpoch,
      status: () => services.status(),
      checkNftTable: (reason) => services.checkNftTable(reason),
      stop: (reason) =>
        (stopping ??= (async () => {
          logger.info('half-syncd stopping', { reason });
          await services.quiesce();
          await direct?.whenIdle();
          await closeAll();
          logger.info('half-syncd stopped');
        })()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
