// The validated contents of /etc/half/half.conf (docs/half.conf.5.md): what the daemon, the
// keepalived renderer, the nftables/iptables renderers and the sysctl renderer read. Produced only
// by validateHalfConf (or loadHalfConf), so every value here has been checked.
import type { IpAddress, IpPrefix } from './ip-address.js';

export const DEFAULT_CONFIG_PATH = '/etc/half/half.conf';

/**
 * The folders half-syncd.service lets half-syncd write (ProtectSystem=strict): its
 * RuntimeDirectory and StateDirectory. [vrrp] resync-file must be below one of them: keepalived
 * (root, unconfined) writes "1" over its track file at every start (init_file 1 overwrite).
 */
export const WRITABLE_DIRS: readonly string[] = ['/run/half/', '/var/lib/half/'];

export const DEFAULTS = {
  /** UDP port of the sync protocol. conntrackd uses 3780; HALF takes the next one so both can run side by side during a migration or a benchmark. */
  syncPort: 3781,
  keyFile: '/etc/half/cluster.key',
  /** Priority given by `role` when `priority` is not set. */
  primaryPriority: 150,
  backupPriority: 100,
  routerId: 51,
  advertIntervalSeconds: 1,
  notifyFifo: '/run/half/keepalived.fifo',
  notifyScript: '/usr/sbin/half-notify',
  /**
   * half-syncd writes 1 here until this node holds the active node's connections, then 0;
   * keepalived's track_file drops the node's priority to 1 while it reads 1 (keepalived-conf.ts).
   * In the state directory: it exists wherever `half configure` ran (keepalived 2.3 refuses a
   * track file whose folder is missing), half-syncd may write it, and purge removes it.
   */
  resyncFile: '/var/lib/half/resync-pending',
  /** Seconds a node that lost MASTER keeps its kernel entries before purging the stale ones. */
  purgeDelaySeconds: 60,
  /** Prometheus metrics on 127.0.0.1: not in /etc/services, in the exporters' 9100-9999 range. */
  metricsPort: 9477,
  controlSocket: '/run/half/half.sock',
} as const;

export type HalfMode = 'external-cache' | 'direct';
export type AdvertPath = 'vip-interfaces' | 'sync-link';
export type NotifyVia = 'fifo' | 'script' | 'both';

/** Layer-4 protocols the filter knows, by conntrack name, with their IP protocol numbers. */
export const PROTOCOLS = { tcp: 6, udp: 17, udplite: 136, icmp: 1, icmpv6: 58, sctp: 132, dccp: 33, gre: 47 } as const;
export type ProtocolName = keyof typeof PROTOCOLS;

/** TCP conntrack states, as `conntrack -L` prints them (lower-cased). */
export const TCP_STATES = ['syn_sent', 'syn_recv', 'established', 'fin_wait', 'close_wait', 'last_ack', 'time_wait', 'close', 'syn_sent2'] as const;
export type TcpStateName = (typeof TCP_STATES)[number];

export interface SyncLink {
  readonly interface: string;
  /** This node's address on the link; the sync socket binds it. */
  readonly address: IpAddress;
  /** Unicast peers (empty when `multicastGroup` is set). */
  readonly peers: readonly IpAddress[];
  readonly multicastGroup: IpAddress | undefined;
}

export interface VipInterface {
  readonly interface: string;
  /** Addresses with their prefix length, as `ip addr add` takes them. */
  readonly vips: readonly IpPrefix[];
}

export interface HalfConfig {
  /** The file it came from, for messages. */
  readonly source: string;
  readonly node: {
    /** 1-65535, unique in the cluster; carried in every sync message. */
    readonly id: number;
    /** VRRP priority 1-254: the highest becomes MASTER. */
    readonly priority: number;
  };
  readonly sync: {
    readonly port: number;
    readonly keyFile: string;
    readonly links: readonly [SyncLink] | readonly [SyncLink, SyncLink];
  };
  readonly vrrp: {
    /** virtual_router_id of the first instance; further instances take the next ids. */
    readonly routerId: number;
    readonly advertIntervalSeconds: number;
    readonly preempt: boolean;
    readonly adverts: AdvertPath;
    readonly notify: NotifyVia;
    readonly notifyFifo: string;
    readonly notifyScript: string;
    /** The track file of the failback gate (1: resync pending, 0: this node holds the table). */
    readonly resyncFile: string;
  };
  readonly vips: readonly VipInterface[];
  readonly filter: {
    /** Extra addresses and prefixes whose flows are not replicated. */
    readonly ignore: readonly IpPrefix[];
    readonly protocols: readonly ProtocolName[];
    readonly tcpStates: readonly TcpStateName[];
  };
  readonly daemon: {
    readonly mode: HalfMode;
    /**
     * Who reads the conntrack event socket: `daemon` (its own thread, the socket opened by a
     * keeper thread) or `pump` (a helper process, one more hop per event; kernel/direct-source.ts).
     */
    readonly eventReader: 'daemon' | 'pump';
    readonly purgeDelaySeconds: number;
    /** 0 disables the metrics endpoint. */
    readonly metricsPort: number;
    /** Always loopback: the endpoint has no authentication. */
    readonly metricsAddress: '127.0.0.1';
    readonly controlSocket: string;
  };
}
