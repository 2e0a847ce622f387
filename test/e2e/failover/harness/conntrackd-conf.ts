// conntrackd.conf(5) for one firewall of the reference stack (conntrack-tools 1.4.7, FT-FW mode;
// Debian's /usr/share/doc/conntrackd/examples/sync/ftfw/conntrackd.conf is the starting point).
// Differences from that example, each needed here:
// - UDP unicast on the sync link instead of multicast (only documentation addresses may be used);
// - UDP added to Protocol Accept (the example syncs TCP, SCTP and DCCP only);
// - lock file, control socket and log file in the node's own directory (both firewalls share one
//   filesystem);
// - expectations synced for the FTP helper; a hash limit sized for the scale run.
// Pure: paths and addresses in, text out.
import { FIREWALL_IFACES, LAN_VIP, WAN_VIP, type FirewallAddresses } from './addresses.js';

export const CONNTRACKD_SYNC_PORT = 3780;

export interface ConntrackdPaths {
  readonly lockFile: string;
  readonly socket: string;
  readonly logFile: string;
}

export interface ConntrackdConfOptions {
  /** Maximum entries in each cache (HashLimit); give room for the injected entries. */
  readonly hashLimit: number;
}

export function renderConntrackdConf(fw: FirewallAddresses, paths: ConntrackdPaths, options: ConntrackdConfOptions): string {
  const ignored = ['127.0.0.1', fw.lan, fw.wan, fw.sync, LAN_VIP, WAN_VIP];
  const buffer = 64 << 20;
  return `# conntrackd for ${fw.name} (failover scenario reference)
Sync {
	Mode FTFW {
		ResendQueueSize 262144
		PurgeTimeout 5
		DisableExternalCache off
	}
	UDP {
		IPv4_address ${fw.sync}
		IPv4_Destination_Address ${fw.peerSync}
		Port ${CONNTRACKD_SYNC_PORT}
		Interface ${FIREWALL_IFACES.sync}
		SndSocketBuffer ${buffer}
		RcvSocketBuffer ${buffer}
		Checksum on
	}
	Options {
		ExpectationSync {
			ftp
		}
	}
}

General {
	HashSize 32768
	HashLimit ${options.hashLimit}
	LogFile ${paths.logFile}
	Syslog off
	LockFile ${paths.lockFile}
	UNIX {
		Path ${paths.socket}
	}
	NetlinkBufferSize 2097152
	NetlinkBufferSizeMaxGrowth ${buffer * 2}
	NetlinkOverrunResync on
	Filter From Userspace {
		Protocol Accept {
			TCP
			UDP
		}
		Address Ignore {
${ignored.map((a) => `\t\t\tIPv4_address ${a}`).join('\n')}
		}
	}
}
`;
}
