// nftables rulesets the kernel tests load into their namespaces.

/**
 * A ruleset that uses connlabels (a rule that never matches sets one), so the kernel gives new
 * entries room for labels; without one, labels given on create are silently dropped and an
 * update with labels answers ENOSPC. (`nft` wants a newline after `ct label set N`.)
 */
export const LABELS_RULESET = `table inet half_labels {
  chain c {
    type filter hook prerouting priority 0;
    meta mark 0x7fffffff ct label set 127
  }
}
`;

/**
 * FTP through the firewall (the kernel tests' topology: the client side is `lan`): the ftp helper
 * attached to control connections, the forward path open to new control connections and to what
 * is established or RELATED only (so a data connection needs its expectation). With `zone`, every
 * packet gets zone `zone.id` of `zone.direction` (nft's `ct [original|reply] zone set`).
 */
export function ftpRuleset(lan: string, zone?: { readonly direction: 'both' | 'original' | 'reply'; readonly id: number }): string {
  const set = zone === undefined ? '' : `ct ${zone.direction === 'both' ? '' : `${zone.direction} `}zone set ${zone.id}`;
  const zoneChains = zone === undefined ? '' : `
  chain zone_prerouting {
    type filter hook prerouting priority raw;
    ${set}
  }
  chain zone_output {
    type filter hook output priority raw;
    ${set}
  }`;
  return `table inet half_ftp {
  ct helper ftp-standard {
    type "ftp" protocol tcp
  }${zoneChains}
  chain assign_helper {
    type filter hook prerouting priority filter;
    tcp dport 21 ct helper set "ftp-standard"
  }
  chain filter_forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "${lan}" tcp dport 21 accept
  }
}
`;
}

/**
 * SYNPROXY in front of a server's port 8080 on the forward path (nft's `synproxy` statement):
 * the client's SYN (from `lan`) is not tracked, SYNPROXY answers it and opens the connection to
 * the server once the client's ACK, INVALID to conntrack, proves the cookie. Needs
 * net.netfilter.nf_conntrack_tcp_loose = 0 (else that ACK is picked up as a connection).
 */
export function synproxyRuleset(lan: string): string {
  return `table inet half_synproxy {
  chain syn_notrack {
    type filter hook prerouting priority raw;
    iifname "${lan}" tcp dport 8080 tcp flags syn notrack
  }
  chain forward_synproxy {
    type filter hook forward priority filter; policy accept;
    iifname "${lan}" tcp dport 8080 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
    ct state invalid drop
  }
}
`;
}
