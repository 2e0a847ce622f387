// The event pump: a tiny process that owns the conntrack event socket and forwards every
// datagram, undecoded, to its parent on fd 3 (pump-frames.ts). It exists because the `netlink`
// binding aborts the whole process when its socket overruns: the kernel sets ENOBUFS, poll
// reports POLLERR, libuv hands the binding UV_EBADF, and the binding's error path throws inside
// a native callback (std::terminate, SIGABRT). Isolated here, such an abort costs only this
// process: the parent sees it exit, reports an overrun and starts a new pump.
//
// Usage: node event-pump-main.js '{"groups":[1,2,3],"recvBufferSize":67108864}'
// It exits when its stdin closes (the parent went away). Frames are gathered into one write per
// turn of the event loop; writes to fd 3 are asynchronous and buffered, and past
// `maxBufferedBytes` datagrams are dropped and reported as an overrun.
import { Socket } from 'node:net';
import { controlFrame, dataFrame, PumpControl } from './pump-frames.js';
import { NetfilterSocket } from './netfilter-socket.js';

interface PumpOptions {
  readonly groups: readonly number[];
  readonly recvBufferSize?: number;
  readonly maxBufferedBytes?: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as PumpOptions;
const out = new Socket({ fd: 3, readable: false, writable: true });
const limit = options.maxBufferedBytes ?? 512 * 1024 * 1024;
let overruns = 0;
let dropping = false;
let batch: Buffer[] = [];
let flushing = false;

function emit(frame: Buffer): void {
  batch.push(frame);
  if (!flushing) {
    flushing = true;
    setImmediate(flush);
  }
}

function flush(): void {
  flushing = false;
  const frames = batch;
  batch = [];
  out.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
}

const socket = new NetfilterSocket(
  { groups: options.groups, ...(options.recvBufferSize === undefined ? {} : { recvBufferSize: options.recvBufferSize }) },
  {
    datagram(buf) {
      if (out.writableLength > limit) {
        if (!dropping) {
          dropping = true;
          overruns++;
        }
        return;
      }
      if (dropping) {
        dropping = false;
        emit(controlFrame(PumpControl.overrun, overruns));
      }
      emit(dataFrame(buf));
    },
    overrun() {
      overruns++;
      emit(controlFrame(PumpControl.overrun, overruns));
    },
  },
);

emit(controlFrame(PumpControl.ready, socket.recvBufferSize));
out.on('error', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
