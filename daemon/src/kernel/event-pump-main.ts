// The event pump: a tiny process that owns the conntrack event socket and forwards every
// datagram, undecoded, to its parent on fd 3 (pump-frames.ts). It exists because the `netlink`
// binding aborts the whole process when its socket overruns: the kernel sets ENOBUFS, poll
// reports POLLERR, libuv hands the binding UV_EBADF, and the binding's error path throws inside
// a native callback (std::terminate, SIGABRT). Isolated here, such an abort costs only this
// process: the parent sees it exit, reports an overrun and starts a new pump.
//
// Usage: node event-pump-main.js '{"groups":[1,2,3],"recvBufferSize":67108864,"dropPorts":[123]}'
// It exits when its stdin closes (the parent went away). The binding only wakes the pump: each
// datagram it hands over is followed by a drain of the socket with read(2) (pump-output.ts), which
// costs less than half as much per datagram, so the pump keeps ahead of the kernel and rarely
// lets the receive buffer fill. A wake costs more than a datagram (the binding's own read, the
// EAGAIN that ends the drain, the write to the parent, and the parent's own wake), so while
// events stream in (measured over RATE_WINDOW_MS, so a burst of a few hundred is not a stream)
// the pump first sleeps (a blocking wait: no CPU) and lets them gather in the socket: a short
// nap from a few thousand events a second, a longer one for bulk streams. Every wake it saves
// also saves a frame to seal, send and open on the peer: at 10k new flows/s, a 0.35 ms nap
// brought both daemons from 116 to 75 us of CPU per flow (no nap: 70 + 45; 0.15 ms: 53 + 37) and
// the latency's tail down with it, adding ~0.3 ms to its median (bench/syncd-vs-conntrackd.ts).
// Slow streams, and the first events after a quiet spell, go through at once.
// Frames are gathered into large writes to fd 3 (straight write(2), buffered in a stream when
// the pipe is full: pipe-writer.ts); past `maxBufferedBytes` waiting, datagrams are dropped and
// reported as an overrun.
import { Socket } from 'node:net';
import { NETLINK_NETFILTER } from './codec/nfnetlink.js';
import { NetfilterSocket } from './netfilter-socket.js';
import { netlinkSocketFd } from './netlink-fd.js';
import { PipeWriter } from './pipe-writer.js';
import { PumpOutput } from './pump-output.js';
import { PumpControl } from './pump-frames.js';

interface PumpOptions {
  readonly groups: readonly number[];
  readonly recvBufferSize?: number;
  readonly maxBufferedBytes?: number;
  /** Netlink ports whose echoes are dropped here (the daemon's own writer). */
  readonly dropPorts?: readonly number[];
}

/** Datagrams read per drain before the event loop gets a turn (writes, stdin). */
const MAX_DRAIN = 4096;
/** Datagrams per millisecond above which wakes nap first (3k events/s), and how long (ms). */
const NAP_RATE = 3;
const NAP_MS = 0.35;
/** Above this rate (30k events/s) a wake waits longer: the socket holds thousands of events, and latency grows by this at most. */
const GATHER_RATE = 30;
const GATHER_MS = 1;
const RATE_WINDOW_MS = 20;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

const options = JSON.parse(process.argv[2] ?? '{}') as PumpOptions;
const pipe = new Socket({ fd: 3, readable: false, writable: true });
const writer = new PipeWriter(3, pipe);
const limit = options.maxBufferedBytes ?? 512 * 1024 * 1024;
const output = new PumpOutput((chunk) => {
  try {
    writer.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0); // the parent went away
    process.stderr.write(`event pump: writing to the daemon failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
}, new Set(options.dropPorts ?? []));
let overruns = 0;
let dropping = false;
let flushing = false;
let fd: number | undefined;
/** Datagrams per millisecond over the last full window; the window being counted. */
let rate = 0;
let windowStart = 0;
let windowCount = 0;

function scheduleFlush(): void {
  if (flushing) return;
  flushing = true;
  setImmediate(() => {
    flushing = false;
    output.flush();
  });
}

function overrun(): void {
  overruns++;
  output.control(PumpControl.overrun, overruns);
  scheduleFlush();
}

/** Whether the parent keeps up; while it does not, datagrams are dropped (one overrun). */
function parentKeepsUp(): boolean {
  if (writer.backlog > limit) {
    if (!dropping) {
      dropping = true;
      overruns++;
    }
    return false;
  }
  if (dropping) {
    dropping = false;
    output.control(PumpControl.overrun, overruns);
  }
  return true;
}

/** Reads what is queued behind the datagram just handed over; returns how many. */
function drain(): number {
  if (fd === undefined) return 0;
  const result = output.drain(fd, MAX_DRAIN);
  for (let i = 0; i < result.overruns; i++) overrun();
  if (result.error !== undefined) {
    process.stderr.write(`event pump: ${result.error}; reading through the binding only\n`);
    fd = undefined;
  }
  return result.read;
}

const socket = new NetfilterSocket(
  { groups: options.groups, ...(options.recvBufferSize === undefined ? {} : { recvBufferSize: options.recvBufferSize }) },
  {
    datagram(buf) {
      if (!parentKeepsUp()) return;
      const now = performance.now();
      if (now - windowStart > RATE_WINDOW_MS) {
        // a window with no wake at all counts as idle
        rate = now - windowStart < 2 * RATE_WINDOW_MS ? windowCount / (now - windowStart) : 0;
        windowStart = now;
        windowCount = 0;
      }
      if (rate > NAP_RATE && fd !== undefined) Atomics.wait(sleeper, 0, 0, rate > GATHER_RATE ? GATHER_MS : NAP_MS);
      output.datagram(buf);
      windowCount += 1 + drain();
      scheduleFlush();
    },
    overrun,
  },
);
fd = netlinkSocketFd(NETLINK_NETFILTER, socket.port);
output.control(PumpControl.ready, socket.recvBufferSize);
output.flush();
pipe.on('error', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
