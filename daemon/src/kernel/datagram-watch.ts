// Readiness of a datagram socket Node cannot wrap itself (a netlink socket), without the `netlink`
// binding's poll handle (which aborts the process on an overrun, netfilter-socket.ts): libuv's
// UDP handle, opened on the descriptor through Node's own `udp_wrap` binding. libuv's UDP reader
// does not care about the address family: it calls recvmsg(2) when the descriptor is readable
// and hands over each datagram, or the error, e.g. ENOBUFS when the kernel dropped messages for
// the socket, which then goes on working.
//
// A watch is never closed: closing a libuv UDP handle closes its descriptor, and the descriptor
// belongs to the thread that opened the socket (socket-keeper.ts). A watch is paused instead,
// and lets go of the descriptor when the process ends.
//
// `udp_wrap` is an internal binding (process.binding is deprecated, documentation only, DEP0111):
// present on Node 18 to 22, checked at run time; without it there is no watch and the caller
// falls back (netlink-kernel-events.ts: the event pump process).

/** Node's UDPWrap, as much of it as this module uses. */
interface UdpHandle {
  open(fd: number): number;
  recvStart(): number;
  recvStop(): number;
  close(): void;
  unref(): void;
  onmessage: (nread: number, handle: unknown, buf?: Buffer) => void;
}

export interface DatagramWatchHandlers {
  /** A datagram, read by the watch when the socket became readable. */
  datagram(buf: Buffer): void;
  /** recvmsg failed; `errno` is positive (ENOBUFS = 105). */
  error(errno: number): void;
}

export interface DatagramWatch {
  /** Starts (again) handing over datagrams; false if libuv refused. */
  resume(): boolean;
  pause(): void;
}

/** Whether this Node has what a watch needs. */
export function canWatchDatagrams(): boolean {
  return udpHandleClass() !== undefined;
}

function udpHandleClass(): (new () => UdpHandle) | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): { UDP?: new () => UdpHandle } }).binding('udp_wrap');
    return typeof binding.UDP === 'function' ? binding.UDP : undefined;
  } catch {
    return undefined;
  }
}

/** A paused watch of `fd`; undefined when this Node or libuv cannot watch it. */
export function watchDatagrams(fd: number, handlers: DatagramWatchHandlers): DatagramWatch | undefined {
  const Udp = udpHandleClass();
  if (Udp === undefined) return undefined;
  const handle = new Udp();
  // a refused open leaves the descriptor alone (libuv checks before it takes it)
  if (handle.open(fd) !== 0) return undefined;
  handle.unref();
  handle.onmessage = (nread, _handle, buf) => {
    if (nread < 0) handlers.error(-nread);
    else if (buf !== undefined && nread > 0) handlers.datagram(buf);
  };
  let running = false;
  return {
    resume: () => {
      if (!running) running = handle.recvStart() === 0;
      return running;
    },
    pause: () => {
      if (running) handle.recvStop();
      running = false;
    },
  };
}
