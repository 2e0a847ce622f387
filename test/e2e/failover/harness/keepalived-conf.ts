// keepalived.conf(5) for one firewall of the reference stack (keepalived 2.2.7; conntrack-tools'
// doc/sync/keepalived.conf is the pattern: both VIPs in one vrrp_sync_group whose notify script
// drives conntrackd). Choices:
// - VRRPv3 with advert_int ADVERT_INT_S (0.5 s): failover in ~3 x 0.5 s plus skew, short enough
//   for a test, long enough that a loaded, shared 2-core machine does not miss three adverts
//   in a row and cause spurious transitions (the harness counts transitions and reports extras);
// - unicast adverts (unicast_src_ip/unicast_peer) on each VIP link: nothing multicast, only
//   documentation addresses;
// - both nodes start BACKUP; halfone has the higher priority and preempts after PREEMPT_DELAY_S,
//   which gives a returning node time to resync before it takes the VIPs back;
// - notify scripts need script security: root runs them (script_user root), and the script and
//   every directory above it are root-owned and not writable by others.
// Pure: addresses and paths in, text out.
import { FIREWALL_IFACES, LAN_VIP, WAN_VIP, type FirewallAddresses } from './addresses.js';

export const ADVERT_INT_S = 0.5;
export const PREEMPT_DELAY_S = 3;
export const VRRP_IDS = { lan: 51, wan: 52 } as const;

export interface KeepalivedConfOptions {
  /** Absolute path of the notify script; called with primary|backup|fault. */
  readonly notifyScript: string;
  readonly advertIntS?: number;
  readonly preemptDelayS?: number;
}

export function renderKeepalivedConf(fw: FirewallAddresses, options: KeepalivedConfOptions): string {
  const advert = options.advertIntS ?? ADVERT_INT_S;
  const preemptDelay = options.preemptDelayS ?? PREEMPT_DELAY_S;
  const instance = (name: string, iface: string, id: number, self: string, peer: string, vip: string): string => `
vrrp_instance ${name} {
	state BACKUP
	interface ${iface}
	virtual_router_id ${id}
	priority ${fw.priority}
	advert_int ${advert}
	preempt_delay ${preemptDelay}
	unicast_src_ip ${self}
	unicast_peer {
		${peer}
	}
	virtual_ipaddress {
		${vip}/24 dev ${iface}
	}
}
`;
  return `# keepalived for ${fw.name} (failover scenario reference)
global_defs {
	router_id ${fw.name}
	vrrp_version 3
	enable_script_security
	script_user root
	vrrp_garp_master_repeat 3
	vrrp_garp_master_refresh 0
}

vrrp_sync_group G1 {
	group {
		LAN
		WAN
	}
	notify_master "${options.notifyScript} primary"
	notify_backup "${options.notifyScript} backup"
	notify_fault "${options.notifyScript} fault"
}
${instance('LAN', FIREWALL_IFACES.lan, VRRP_IDS.lan, fw.lan, fw.peerLan, LAN_VIP)}${instance('WAN', FIREWALL_IFACES.wan, VRRP_IDS.wan, fw.wan, fw.peerWan, WAN_VIP)}`;
}
