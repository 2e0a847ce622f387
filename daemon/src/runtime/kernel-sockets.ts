// The kernel side of the daemon: one writer (commits, direct-mode injection, purges) and one
// dumper (our table at start, after overruns, at takeover), both raw NETLINK_NETFILTER sockets;
// and a short-lived dumper for the start-up read of labels.
// Opening them is the first thing that needs privileges; failure says what is missing.
import { NetlinkSocketError } from '../kernel/errors.js';
import type { KernelDumper, KernelEntryReader, KernelWriter } from '../kernel/kernel-roles.js';
import { NetlinkKernelDumper } from '../kernel/netlink-kernel-dumper.js';
import { NetlinkKernelWriter } from '../kernel/netlink-kernel-writer.js';
import { DaemonStartError } from '../errors.js';

export interface KernelSockets {
  /** A KernelWriter that also counts how its exchanges went (`half status`). */
  readonly writer: KernelWriter & Pick<NetlinkKernelWriter, 'exchanges'>;
  /** Dumps, and single entries read back (entry-readback.ts). */
  readonly dumper: KernelDumper & KernelEntryReader;
}

/** A dumper of its own for the start-up read of labels (kernel-labels.ts). */
export function openLabelsDumper(): KernelDumper {
  return new NetlinkKernelDumper();
}

export function openKernel(): KernelSockets {
  let writer: NetlinkKernelWriter | undefined;
  try {
    writer = new NetlinkKernelWriter();
    const dumper = new NetlinkKernelDumper();
    return { writer, dumper };
  } catch (error) {
    writer?.close();
    if (error instanceof NetlinkSocketError) {
      throw new DaemonStartError(`cannot talk to the kernel's connection tracking: ${error.message}`, {
        hint: error.hint ?? 'run half-syncd as root (CAP_NET_ADMIN) on a kernel with nf_conntrack_netlink (modprobe nf_conntrack_netlink)',
        cause: error,
      });
    }
    throw error;
  }
}
