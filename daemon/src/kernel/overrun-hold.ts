// When an overrun of a conntrack event socket may be reported, i.e. when the resync from a dump
// that heals it may begin. After the kernel drops an event for a netlink socket it marks the
// socket congested, answers the next read with ENOBUFS once, and from then on drops every event
// for it, silently, until a read leaves its queue empty (netlink_overrun, netlink_broadcast_deliver
// and netlink_rcv_wake in net/netlink/af_netlink.c). A dump asked for at the ENOBUFS misses the
// entries made while the rest of the queue is read, in buckets it has already passed, and their
// events are among the silent drops: those entries are lost for good (seen here: 7,795 and 9,916
// of a 200k insert whose sender was stopped for 300 ms). So an overrun is held until a read has
// found the queue empty after the last ENOBUFS (every later drop answers ENOBUFS again), and
// until what was read before has been handled (those events are older than the dump, which must
// have the last word on their keys).
// Used by the daemon's own reader (direct-source.ts) and the event pump (event-pump-main.ts).

export class OverrunHold {
  private held = 0;
  private emptied = false;

  /** ENOBUFS answers read from the socket (0: none). */
  overran(count: number): void {
    if (count <= 0) return;
    this.held += count;
    this.emptied = false;
  }

  /** A read found the socket's queue empty (EAGAIN): the kernel no longer holds it congested. */
  queueEmptied(): void {
    this.emptied = true;
  }

  /** Whether overruns wait to be reported (the socket must then be read until it is empty). */
  get holding(): boolean {
    return this.held > 0;
  }

  /**
   * The overruns to report now, `settled` saying that nothing read waits to be handled: all that
   * are held once the queue was read empty after them, else 0 (they stay held).
   */
  release(settled: boolean): number {
    if (this.held === 0 || !this.emptied || !settled) return 0;
    const count = this.held;
    this.held = 0;
    return count;
  }
}
