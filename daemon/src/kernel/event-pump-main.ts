// The event pump: a tiny process that owns the conntrack event socket and forwards every
// datagram, undecoded, to its parent on fd 3 (pump-frames.ts). It exists because the `netlink`
// binding aborts the whole process when its socket overruns: the kernel sets ENOBUFS, poll
// reports POLLERR, libuv hands the binding UV_EBADF, and the binding's error path throws inside
// a native callback (std::terminate, SIGABRT). Isolated here, such an abort costs only this
// process: the parent sees it exit, reports an overrun and starts a new pump. The daemon reads
// its events itself where it can (direct-source.ts); the pump is its fallback, and what
// `event-reader = pump` asks for.
//
// Usage: node event-pump-main.js '{"groups":[1,2,3],"recvBufferSize":67108864,"dropPorts":[123],"release":"0.1.0-1"}'
// It exits when its stdin closes (the parent went away). While events stream in, the binding
// only wakes the pump: a wake first naps (wake-pacer.ts), then the datagram it hands over is
// followed by a drain of the socket with read(2) (pump-output.ts), which costs less than half as
// much per datagram, so the pump keeps ahead of the kernel and rarely lets the receive buffer
// fill. A slow stream is left to the binding's own reads (a drain would end in an EAGAIN that
// readSync throws); the drains are counted and reported to the daemon.
// Frames are gathered into large writes to fd 3 (straight write(2), buffered in a stream when
// the pipe is full: pipe-writer.ts); past `maxBufferedBytes` waiting, datagrams are dropped and
// reported as an overrun. An ENOBUFS from the socket is reported once a drain has read the socket
// empty after it (overrun-hold.ts), behind every datagram read before it.
import { Socket } from 'node:net';
import { HALF_VERSION } from '../cli/version.js';
import { NETLINK_NETFILTER } from './codec/nfnetlink.js';
import { HELPER_RELEASE_EXIT, releaseMismatch } from './helper-release.js';
import { NetfilterSocket } from './netfilter-socket.js';
import { netlinkSocketFd } from './netlink-fd.js';
import { OverrunHold } from './overrun-hold.js';
import { PipeWriter } from './pipe-writer.js';
import { PumpOutput } from './pump-output.js';
import { PumpControl } from './pump-frames.js';
import { WakePacer } from './wake-pacer.js';

interface PumpOptions {
  readonly groups: readonly number[];
  readonly recvBufferSize?: number;
  readonly maxBufferedBytes?: number;
  /** Netlink ports whose echoes are dropped here (the daemon's own writer). */
  readonly dropPorts?: readonly number[];
  /** The daemon's release: a pump of another one exits (helper-release.ts). */
  readonly release?: string;
}

/** Datagrams read per drain before the event loop gets a turn (writes, stdin). */
const MAX_DRAIN = 4096;

const options = JSON.parse(process.argv[2] ?? '{}') as PumpOptions;
const mismatch = options.release === undefined ? undefined : releaseMismatch('event-pump-main.js', HALF_VERSION, options.release);
if (mismatch !== undefined) {
  process.stderr.write(`event pump refused: ${mismatch}\n`);
  process.exit(HELPER_RELEASE_EXIT);
}
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
let droppingCheck: NodeJS.Timeout | undefined;
/** While dropping, how often the backlog is looked at (the overrun is reported once it is under the limit). */
const DROPPING_CHECK_MS = 20;
let flushing = false;
let fd: number | undefined;
let drains = 0;
let reportedDrains = 0;
const pacer = new WakePacer();

function scheduleFlush(): void {
  if (flushing) return;
  flushing = true;
  setImmediate(() => {
    flushing = false;
    if (drains !== reportedDrains) {
      reportedDrains = drains;
      output.control(PumpControl.drains, drains);
    }
    output.flush();
  });
}

const held = new OverrunHold();

/** ENOBUFS from the binding: held until a drain has read the socket empty (none without the descriptor). */
function overrun(): void {
  held.overran(1);
  if (fd === undefined) held.queueEmptied();
  else drain();
  releaseOverruns();
}

/** Reports the held overruns that may be: the parent gets them after every datagram read before. */
function releaseOverruns(): void {
  const count = held.release(true);
  for (let i = 0; i < count; i++) {
    overruns++;
    output.control(PumpControl.overrun, overruns);
  }
  if (count > 0) scheduleFlush();
}

/**
 * Whether the parent keeps up; while it does not, datagrams are dropped (one overrun), reported
 * once the backlog is back under the limit: checked at each datagram, and every DROPPING_CHECK_MS
 * while dropping, so that the report does not wait for an event after the burst.
 */
function parentKeepsUp(): boolean {
  if (writer.backlog > limit) {
    if (!dropping) {
      dropping = true;
      overruns++;
      droppingCheck = setInterval(() => {
        if (parentKeepsUp()) scheduleFlush();
      }, DROPPING_CHECK_MS);
    }
    return false;
  }
  if (dropping) {
    dropping = false;
    clearInterval(droppingCheck);
    output.control(PumpControl.overrun, overruns);
  }
  return true;
}

/** Reads what is queued behind the datagram just handed over; returns how many, echoes left out. */
function drain(): number {
  if (fd === undefined) return 0;
  drains++;
  const result = output.drain(fd, MAX_DRAIN);
  held.overran(result.overruns);
  if (result.error !== undefined) {
    process.stderr.write(`event pump: ${result.error}; reading through the binding only\n`);
    fd = undefined;
    held.queueEmptied(); // nothing more can be drained: report what is held
  } else if (result.read < MAX_DRAIN) held.queueEmptied(); // EAGAIN
  releaseOverruns();
  return result.read - result.echoes;
}

const socket = new NetfilterSocket(
  { groups: options.groups, ...(options.recvBufferSize === undefined ? {} : { recvBufferSize: options.recvBufferSize }) },
  {
    datagram(buf) {
      if (!parentKeepsUp()) return;
      // without the descriptor there is no drain, and nothing to gather for; a slow stream (no
      // nap) is not drained either: the binding reads what follows itself
      // an echo of our writes comes with the rest of its burst already queued: nothing to gather
      const echo = output.dropsEcho(buf);
      const nap = fd === undefined || echo ? 0 : pacer.napFor(performance.now());
      pacer.nap(nap);
      if (!echo) output.datagram(buf);
      // held overruns wait for a drain that reads the socket empty
      pacer.count((echo ? 0 : 1) + (nap > 0 || held.holding ? drain() : 0));
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
