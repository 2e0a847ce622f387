// What `half doctor` knows about the machine, gathered once (gather.ts) and then judged by pure
// checks (checks-*.ts). Tests build these by hand to exercise every verdict.
import type { DaemonStatus } from '../control/status-model.js';
import type { NftRuleset } from './nft-ruleset.js';

/** How a kernel module is present: loaded now, built into the kernel, installed but not loaded, absent. */
export type ModuleState = 'loaded' | 'builtin' | 'available' | 'missing' | 'unknown';

export interface ModuleFact {
  readonly state: ModuleState;
  /** Where that was learnt, e.g. "/proc/modules", "/proc/config.gz (CONFIG_NF_CT_NETLINK=y)". */
  readonly source: string;
}

/** The modules the doctor looks at. */
export const MODULES = ['nf_conntrack', 'nf_conntrack_netlink', 'nf_conntrack_ftp'] as const;
export type ModuleName = (typeof MODULES)[number];

/** The sysctls the doctor reads (in the caller's network namespace), value null when absent. */
export const SYSCTLS = [
  'net.netfilter.nf_conntrack_events',
  'net.netfilter.nf_conntrack_tcp_be_liberal',
  'net.netfilter.nf_conntrack_tcp_loose',
  'net.netfilter.nf_conntrack_count',
  'net.netfilter.nf_conntrack_max',
  'net.ipv4.ip_forward',
  'net.ipv6.conf.all.forwarding',
  'net.core.rmem_max',
] as const;
export type SysctlName = (typeof SYSCTLS)[number];

/** One peer as configured: where its sync datagrams and VRRP adverts come from. */
export interface ConfiguredPath {
  readonly interface: string;
  /** The peer's address; undefined when not known (adverts on VIP interfaces, multicast sync). */
  readonly peer?: string;
  /** Where the traffic goes: our own address on the path, or the multicast group. */
  readonly destination?: string;
  readonly family: 4 | 6;
  readonly multicast: boolean;
}

export type ConfigFact =
  | {
      readonly state: 'ok';
      readonly file: string;
      readonly nodeId: number;
      readonly syncPort: number;
      readonly controlSocket: string;
      readonly syncPaths: readonly ConfiguredPath[];
      readonly vrrpPaths: readonly ConfiguredPath[];
      /** Whether a VIP is IPv6 (then IPv6 forwarding matters). */
      readonly ipv6: boolean;
      /** Whether a VIP is IPv4 (then IPv4 forwarding matters); absent: taken as yes. */
      readonly ipv4?: boolean;
    }
  | { readonly state: 'missing'; readonly file: string }
  /** It is there but cannot be read (`problem`: e.g. "cannot be read (EACCES)"): half run by a user, not root. */
  | { readonly state: 'unreadable'; readonly file: string; readonly problem: string }
  | { readonly state: 'invalid'; readonly file: string; readonly problems: readonly string[] };

export type DaemonFact =
  | { readonly state: 'running'; readonly socket: string; readonly status: DaemonStatus }
  /** `reason` is a whole sentence: "half-syncd is not running: ...". */
  | { readonly state: 'down'; readonly socket: string; readonly reason: string }
  /** The socket is there but this user may not use it (mode 0600: root only). */
  | { readonly state: 'denied'; readonly socket: string; readonly reason: string }
  /** half-syncd takes no connection now: its socket's queue is full (stopped, stuck), or it serves its limit. */
  | { readonly state: 'stuck' | 'busy'; readonly socket: string; readonly reason: string }
  /** `fix`: the error's own, where it has one (a reply or status of another release). */
  | { readonly state: 'error'; readonly socket: string; readonly reason: string; readonly fix?: string };

export interface KeepalivedFact {
  /** Processes whose comm is exactly "keepalived" (parent and VRRP child). */
  readonly pids: readonly number[];
  /** The pid file, if there is one, and whether its pid is alive. */
  readonly pidFile?: { readonly path: string; readonly pid: number | null; readonly alive: boolean };
}

export type RulesetFact =
  | { readonly state: 'ok'; readonly ruleset: NftRuleset }
  | { readonly state: 'unavailable'; readonly reason: string };

export type ClockFact =
  | { readonly source: 'timedatectl'; readonly synchronized: boolean; readonly ntp: boolean | undefined }
  | { readonly source: 'none'; readonly reason: string };

export interface DoctorFacts {
  readonly kernelRelease: string;
  readonly modules: Readonly<Record<ModuleName, ModuleFact>>;
  readonly sysctls: Readonly<Record<SysctlName, string | null>>;
  readonly config: ConfigFact;
  readonly daemon: DaemonFact;
  readonly keepalived: KeepalivedFact;
  readonly ruleset: RulesetFact;
  readonly clock: ClockFact;
  /**
   * Tables of iptables-legacy (x_tables) in use: /proc/net/ip_tables_names and
   * ip6_tables_names. nft does not show them (iptables-nft's rules it does), so the firewall
   * checks cannot judge what they drop. Absent: not read.
   */
  readonly legacyIptables?: readonly string[];
}
