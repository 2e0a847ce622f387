// The kernel layer of half-syncd: conntrack entries and expectations over ctnetlink, spoken
// directly on a raw NETLINK_NETFILTER socket. What the rest of the daemon uses:
//
//   roles            KernelEvents, KernelDumper, KernelWriter (kernel-roles.ts)
//   implementations  NetlinkKernelEvents, NetlinkKernelDumper, NetlinkKernelWriter
//   records          toRecord / expectationToRecord / fromRecord / opsFromChanges
//   filter           buildFlowFilter (FlowFilterConfig), acceptAllFlows
//   entries          ConntrackEntry, Expectation, Tuple…; mergeEntry for UPDATE events
export type { ConntrackEntry, Counters, DccpInfo, Expectation, ExpectationNat, Family, ProtoInfo, SctpInfo, SeqAdj, TcpInfo, Tuple } from './ct-entry.js';
export { IpProto } from './ct-entry.js';
export type {
  ApplyReport, DumpOptions, DumpResult, KernelDumper, KernelEvent, KernelEvents, KernelEventSink, KernelEventStats,
  KernelOp, KernelWriter, OpAction, OpResult, OverrunInfo, RecordApplyReport,
} from './kernel-roles.js';
export { NetlinkKernelEvents, type KernelEventsOptions } from './netlink-kernel-events.js';
export { NetlinkKernelDumper } from './netlink-kernel-dumper.js';
export { NetlinkKernelWriter, type KernelWriterOptions } from './netlink-kernel-writer.js';
export { defaultPumpCommand, type PumpCommand } from './datagram-source.js';
export { expectationToRecord, fromRecord, opFromChange, opsFromChanges, PAYLOAD_VERSION, toRecord, type KernelObject } from './record-mapping.js';
export { conntrackKey, expectationKey } from './record-key.js';
export { acceptAllFlows, buildFlowFilter, type FlowFilter, type FlowFilterConfig } from './flow-filter.js';
export { mergeEntry } from './codec/ct-decode.js';
export { Ips, statusNames } from './codec/ct-status.js';
export { tcpStateName } from './codec/ct-states.js';
export { EntryEncodeError, FilterConfigError, KernelError, KernelRequestError, NetlinkSocketError } from './errors.js';
