// Names of the protocol states conntrack reports, as the conntrack tool prints them.
//
// Spec: enum tcp_conntrack (include/uapi/linux/netfilter/nf_conntrack_tcp.h), enum
// sctp_conntrack (include/uapi/linux/netfilter/nf_conntrack_sctp.h), enum ct_dccp_states
// (include/uapi/linux/netfilter/nf_conntrack_dccp.h in kernels that still track DCCP).

export const TCP_STATES: readonly string[] = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
];

export const SCTP_STATES: readonly string[] = [
  'NONE', 'CLOSED', 'COOKIE_WAIT', 'COOKIE_ECHOED', 'ESTABLISHED', 'SHUTDOWN_SENT', 'SHUTDOWN_RECD',
  'SHUTDOWN_ACK_SENT', 'HEARTBEAT_SENT', 'HEARTBEAT_ACKED',
];

export const DCCP_STATES: readonly string[] = [
  'NONE', 'REQUEST', 'RESPOND', 'PARTOPEN', 'OPEN', 'CLOSEREQ', 'CLOSING', 'TIMEWAIT', 'IGNORE', 'INVALID',
];

export function tcpStateName(state: number): string {
  return TCP_STATES[state] ?? `STATE_${state}`;
}

export function tcpStateNumber(name: string): number | undefined {
  const i = TCP_STATES.indexOf(name.toUpperCase());
  return i < 0 ? undefined : i;
}
