// debconf answers for the maintainer-script tests (debconf-set-selections lines of half-syncd).
export type Preseed = readonly (readonly [string, string, string])[];

/** Everything a primary needs, matching the firewall namespace (eth2 203.0.113.1/30). */
export const PRIMARY_PRESEED: Preseed = [
  ['setup', 'boolean', 'true'],
  ['role', 'select', 'primary'],
  ['node-id', 'string', '1'],
  ['sync-interface', 'string', 'eth2'],
  ['sync-address', 'string', '203.0.113.1'],
  ['sync-peers', 'string', '203.0.113.2'],
  ['vips', 'string', 'eth0=192.0.2.254/24 2001:db8:1::fe/64 eth1=198.51.100.254/24'],
  ['router-id', 'string', '51'],
];

/** The files `half configure` renders on a node. */
export const RENDERED_FILES = ['/etc/keepalived/keepalived.conf', '/etc/half/half.nft', '/etc/half/iptables.rules', '/etc/half/ip6tables.rules', '/etc/sysctl.d/60-half.conf'] as const;

/** Every file HALF writes on a configured node whose key it made. */
export const GENERATED_FILES = ['/etc/half/half.conf', '/etc/half/cluster.key', ...RENDERED_FILES] as const;
