// The HALF files added to the backported keepalived package, as the 2004 HALF backport added its
// ct_sync docs and examples: a keepalived.conf for one node of a HALF pair and a README.HALF.
// They are installed through debhelper's examples list (dh_installexamples(1)) into
// /usr/share/doc/keepalived/examples/. The configuration matches what `half configure` renders
// (daemon/src/config/keepalived-conf.ts): one VRRP instance per VIP interface, both in one
// vrrp_sync_group so LAN and WAN addresses always move together, and keepalived's ordered event
// FIFO (keepalived.conf(5), vrrp_notify_fifo) read by half-syncd. Addresses are documentation
// ranges (RFC 5737). Pure data.

export interface ExampleFile {
  /** File name inside debian/half/ and in the installed examples directory. */
  readonly name: string;
  readonly text: string;
}

/** Where half-syncd listens for keepalived's events (the half.conf default). */
export const HALF_NOTIFY_FIFO = '/run/half/keepalived.fifo';
export const EXAMPLES_DIR = '/usr/share/doc/keepalived/examples';

export const KEEPALIVED_CONF_EXAMPLE = `# keepalived.conf for node 1 of a HALF pair (High Availability Linux Firewall).
#
# HALF normally writes /etc/keepalived/keepalived.conf itself from /etc/half/half.conf
# ("half configure"); this file shows what it writes, for reading or for a hand-made setup.
# Node 2 uses the same file with "router_id half-node-2" and a lower priority (100).
#
# The LAN and WAN addresses are two VRRP instances in one sync group: when either instance
# fails (link down) or loses the election, both move, so a firewall never holds only half of
# the addresses. Every state change is written to a FIFO that half-syncd reads, in order:
# on MASTER it commits the replicated connection-tracking table to the kernel before the
# firewall forwards for the addresses; on BACKUP it flushes and resynchronises.

global_defs {
    router_id half-node-1
    vrrp_version 3
    # keepalived's ordered event stream for half-syncd (not a script per event).
    vrrp_notify_fifo ${HALF_NOTIFY_FIFO}
    vrrp_garp_master_delay 1
    vrrp_garp_master_repeat 3
    vrrp_garp_master_refresh 60
    vrrp_garp_lower_prio_repeat 1
    vrrp_higher_prio_send_advert true
}

vrrp_sync_group HALF {
    group {
        half_lan0
        half_wan0
    }
}

vrrp_instance half_lan0 {
    state BACKUP
    interface lan0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.254/24 dev lan0
    }
}

vrrp_instance half_wan0 {
    state BACKUP
    interface wan0
    virtual_router_id 52
    priority 150
    advert_int 1
    virtual_ipaddress {
        198.51.100.254/24 dev wan0
    }
}
`;

export const README_HALF = `keepalived for HALF
===================

This keepalived is a backport of a newer Debian keepalived, rebuilt for this Debian release by
HALF (High Availability Linux Firewall). Its version ends in "~bpoNN+halfN": it sorts above
this release's own keepalived and below the Debian version it was taken from, so a later
upgrade to that Debian release replaces it cleanly. The source package sits next to the
binaries in the HALF repository ("deb-src" line), as the GPL asks.

What HALF adds to keepalived
----------------------------
keepalived moves the firewall's addresses (VRRP). HALF's half-syncd moves the state that
makes those addresses useful: the kernel's connection-tracking table, replicated to the
standby over a dedicated link, so established and NATed connections survive the loss of the
active firewall.

The two meet through keepalived's notify FIFO:

  global_defs { vrrp_notify_fifo ${HALF_NOTIFY_FIFO} }

half-syncd creates the FIFO and reads one line per state change ("GROUP" "HALF" MASTER, ...).
On MASTER it commits the replicated table to the kernel before the firewall answers for the
addresses; on BACKUP or FAULT it drops stale state and resynchronises from the new master.
All VRRP instances of a firewall belong to one vrrp_sync_group, so LAN and WAN addresses
always move together.

Files
-----
  keepalived.conf.HALF   keepalived.conf of node 1 of a pair (LAN + WAN addresses, sync
                         group, notify FIFO); node 2 differs in router_id and priority.
  README.HALF            this file.

Normally you do not write keepalived.conf by hand: "apt-get install half" asks a few questions
(or uses safe defaults), writes /etc/half/half.conf, and "half configure" renders
/etc/keepalived/keepalived.conf, the firewall rules for VRRP and sync traffic, and the sysctls
from it. "half status" shows the cluster, "half doctor" what is missing.
`;

export const HALF_EXAMPLE_FILES: readonly ExampleFile[] = [
  { name: 'keepalived.conf.HALF', text: KEEPALIVED_CONF_EXAMPLE },
  { name: 'README.HALF', text: README_HALF },
];
