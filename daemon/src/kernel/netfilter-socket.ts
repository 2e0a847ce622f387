// A raw NETLINK_NETFILTER socket (the `netlink` package's N-API RawNetlinkSocket) made as safe
// as the binding allows: anything a handler throws inside the binding's callbacks aborts the
// whole process (SIGABRT, "terminate called after throwing an instance of 'Napi::Error'"), so
// every callback here is wrapped and counts what it catches. ENOBUFS from recvmsg means the
// kernel dropped messages for this socket (receive buffer full): it is reported as an overrun.
//
// Binding limits (netlink 0.3.0, src/binding.cc), found here:
//  - an overrun usually never reaches JavaScript: the kernel's sk_err makes poll report
//    POLLERR, libuv passes UV_EBADF to the binding's poll handler, and its error path throws
//    inside the native callback: the process aborts. Event sockets are therefore opened by a
//    thread whose event loop never runs, and read by the daemon's own thread through a libuv UDP
//    handle (socket-keeper.ts, direct-source.ts), or live in a child process (event-pump-main.ts);
//    request sockets size their batches so answers always fit.
//  - no setsockopt beyond SO_RCVBUF/SO_SNDBUF and group membership: no NETLINK_BROADCAST_ERROR /
//    NETLINK_NO_ENOBUFS (conntrackd's NetlinkEventsReliable: the kernel keeps retrying DESTROY
//    events and stops reporting ENOBUFS), no NETLINK_CAP_ACK, no SO_RCVBUFFORCE. The receive
//    buffer is capped at 2 x net.core.rmem_max (a host setting, read-only inside namespaces).
//  - about 6 us of CPU per received datagram (two recvmsg calls with MSG_PEEK, one external
//    Buffer and one MakeCallback each): roughly 150k events/s on one core.
import { RawNetlinkSocket } from 'netlink/dist/raw.js';
import { NetlinkSocketError } from './errors.js';
import { NETLINK_NETFILTER } from './codec/nfnetlink.js';

export interface NetfilterSocketOptions {
  /** Requested SO_RCVBUF in bytes (the kernel caps it at 2 x net.core.rmem_max). */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  /** Multicast groups to join (enum nfnetlink_groups). */
  readonly groups?: readonly number[];
}

export interface NetfilterSocketHandlers {
  /** One received datagram (possibly several netlink messages). Must not keep `buf` past the call unless it copies. */
  datagram(buf: Buffer): void;
  /** The kernel dropped messages for this socket (ENOBUFS). */
  overrun(): void;
}

export const DEFAULT_BUFFER_SIZE = 64 * 1024 * 1024;

/** The code of the error the bundles' loader throws when the binding's .node file is missing or
 *  does not load (debian/half-syncd/netlink-loader.cjs: the binding loads on first use). */
const BINDING_NOT_LOADED = 'HALF_NETLINK_BINDING';
const BINDING_HINT =
  'the netlink binding ships with half-syncd in /usr/lib/half/netlink/prebuilds/ (linux-x64 or linux-arm64): reinstall the package (apt-get install --reinstall half-syncd)';

export class NetfilterSocket {
  private readonly socket: RawNetlinkSocket;
  private closed = false;
  handlerErrors = 0;
  socketErrors = 0;
  lastError: string | undefined;

  constructor(options: NetfilterSocketOptions, private readonly handlers: NetfilterSocketHandlers) {
    try {
      this.socket = new RawNetlinkSocket(NETLINK_NETFILTER, {
        recvBufferSize: options.recvBufferSize ?? DEFAULT_BUFFER_SIZE,
        sendBufferSize: options.sendBufferSize ?? 8 * 1024 * 1024,
      });
      for (const group of options.groups ?? []) this.socket.addMembership(group);
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      throw new NetlinkSocketError(`cannot open a NETLINK_NETFILTER socket: ${(error as Error).message}`, errno, {
        hint: (error as { code?: string }).code === BINDING_NOT_LOADED ? BINDING_HINT : 'half-syncd needs CAP_NET_ADMIN (run as root) and a kernel with nf_conntrack_netlink',
        cause: error,
      });
    }
    this.socket.on('message', (buf) => this.safely(() => this.handlers.datagram(buf)));
    this.socket.on('truncatedMessage', () => this.safely(() => this.handlers.overrun()));
    this.socket.on('error', (error) =>
      this.safely(() => {
        if (error.code === 'ENOBUFS') {
          this.handlers.overrun();
          return;
        }
        this.socketErrors++;
        this.lastError = `${error.syscall ?? 'socket'}: ${error.code ?? error.message}`;
      }),
    );
  }

  /** Joins a multicast group (enum nfnetlink_groups). */
  join(group: number): void {
    this.socket.addMembership(group);
  }

  /** Leaves a multicast group; the kernel stops queueing its messages here. */
  leave(group: number): void {
    this.socket.dropMembership(group);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get recvBufferSize(): number {
    return this.socket.getRecvBufferSize();
  }

  get sendBufferSize(): number {
    return this.socket.getSendBufferSize();
  }

  /** Sends one datagram; the kernel processes every message in it before sendmsg returns. */
  send(datagram: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new NetlinkSocketError('the netlink socket is closed', undefined));
        return;
      }
      this.socket.send(datagram, {}, (error) => {
        if (error === undefined) resolve();
        else reject(new NetlinkSocketError(`sendmsg on the netlink socket failed: ${error.code}`, error.errno, { cause: error }));
      });
    });
  }

  /** Lets the process exit while this socket is open (a daemon's event socket keeps it alive). */
  unref(): void {
    this.socket.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.handlerErrors++;
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }
}
