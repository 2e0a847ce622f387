// The event socket keeper: a worker thread of half-syncd that opens, re-subscribes and closes
// conntrack event sockets through the `netlink` binding for the main thread, and otherwise
// sleeps, never returning to its own event loop. The binding registers each socket with the
// event loop of the thread that made it, and when that loop sees the socket overrun (POLLERR) the
// binding aborts the process (netfilter-socket.ts); this thread's loop never runs while a socket
// is open, so that never happens. The main thread reads the sockets itself, through their
// descriptors (direct-source.ts); the sockets stay this thread's, and only it closes them (libuv
// would abort at this thread's exit if a socket it still watched had been closed elsewhere).
//
// Requests come through shared memory, since a parked thread reads no messages (keeper-protocol.ts):
// the main thread writes one, bumps the request counter and waits for the answer counter.
import { parentPort, workerData } from 'node:worker_threads';
import { HALF_VERSION } from '../cli/version.js';
import { KeeperChannel, type KeeperData, type KeeperRequest, type KeeperResult } from './keeper-protocol.js';
import { NetfilterSocket } from './netfilter-socket.js';

const channel = new KeeperChannel(workerData as KeeperData);
const sockets = new Map<number, NetfilterSocket>();
const ignore = { datagram: () => undefined, overrun: () => undefined };

function socketOf(port: number): NetfilterSocket {
  const socket = sockets.get(port);
  if (socket === undefined) throw new Error(`no event socket with netlink port ${port} here`);
  return socket;
}

function handle(req: KeeperRequest): KeeperResult {
  switch (req.op) {
    case 'open': {
      const socket = new NetfilterSocket(req.recvBufferSize === undefined ? {} : { recvBufferSize: req.recvBufferSize }, ignore);
      sockets.set(socket.port, socket);
      return { ok: true, port: socket.port, recvBufferSize: socket.recvBufferSize };
    }
    case 'join':
      for (const group of req.groups) socketOf(req.port).join(group);
      return { ok: true };
    case 'leave':
      for (const group of req.groups) socketOf(req.port).leave(group);
      return { ok: true };
    case 'close':
      sockets.get(req.port)?.close();
      sockets.delete(req.port);
      return { ok: true };
  }
}

parentPort?.postMessage({ release: HALF_VERSION }); // ready; the daemon checks the release (helper-release.ts)
for (;;) {
  const req = channel.nextRequest();
  let result: KeeperResult;
  try {
    result = handle(req);
  } catch (error) {
    const e = error as Error & { errno?: number; hint?: string };
    result = { ok: false, message: e.message, ...(e.errno === undefined ? {} : { errno: e.errno }), ...(e.hint === undefined ? {} : { hint: e.hint }) };
  }
  channel.answer(result);
}
