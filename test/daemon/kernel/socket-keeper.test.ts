// The event socket keeper (socket-keeper.ts) when its thread misbehaves, and what it does with a
// socket that could not join its groups. Keepers that fail on purpose are small worker threads
// of this test (never ready, failing to load, exiting, ready but never answering): each lease
// must then fail with an error that says which, within its deadline, instead of hanging, so that
// the daemon falls back to the event pump (netlink-kernel-events.ts; the bundle test runs that
// fallback for real). The real keeper opens real NETLINK_NETFILTER sockets in this process,
// joined to no group, so they hear nothing of the host's table: one whose join fails is closed,
// not kept; a released one is leased again.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { HALF_VERSION } from '../../../daemon/src/cli/version.js';
import { NetlinkSocketError } from '../../../daemon/src/kernel/errors.js';
import type { KeeperData } from '../../../daemon/src/kernel/keeper-protocol.js';
import { SocketKeeper } from '../../../daemon/src/kernel/socket-keeper.js';
import { ownNetfilterSockets } from './helpers/own-sockets.js';

const handlers = { datagram: () => undefined, error: () => undefined };

/** A keeper thread running `source` (CommonJS), and a promise of its exit code. */
function fakeKeeper(source: string): { start: (data: KeeperData) => Worker; exited: Promise<number> } {
  let exit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  return {
    start: (data) => {
      const worker = new Worker(source, { eval: true, workerData: data });
      worker.on('error', () => undefined);
      worker.once('exit', exit);
      return worker;
    },
    exited,
  };
}

describe('SocketKeeper with a keeper thread that fails', () => {
  it('gives up on a thread that never says it is ready, after the start deadline, and stops it', async () => {
    const fake = fakeKeeper('setInterval(() => {}, 1000);');
    const keeper = SocketKeeper.start({ start: fake.start, startTimeoutMs: 300 });
    await expect(keeper.lease({ groups: [] }, handlers)).rejects.toThrow(/event socket keeper thread did not start within 300 ms/);
    expect(await fake.exited).toBe(1); // terminated
    // the failure sticks: no lease waits for that thread again
    await expect(keeper.lease({ groups: [] }, handlers)).rejects.toThrow(/did not start within 300 ms/);
  });

  it('says why when the thread fails to load, or exits', async () => {
    const failing = fakeKeeper('throw new Error("no netlink binding here");');
    await expect(SocketKeeper.start({ start: failing.start }).lease({ groups: [] }, handlers)).rejects.toThrow(/keeper thread failed: no netlink binding here/);
    const exiting = fakeKeeper('process.exit(3);');
    await expect(SocketKeeper.start({ start: exiting.start }).lease({ groups: [] }, handlers)).rejects.toThrow(/keeper thread exited \(3\)/);
  });

  it('refuses a thread of another release (an upgrade replaced its file) and stops it, with the fix', async () => {
    const other = fakeKeeper("require('node:worker_threads').parentPort.postMessage({ release: '9.9-1' }); setInterval(() => {}, 1000);");
    const keeper = SocketKeeper.start({ start: other.start });
    const failed = keeper.lease({ groups: [] }, handlers);
    await expect(failed).rejects.toThrow(`keeper thread refused: event-socket-keeper-main.js is HALF 9.9-1, half-syncd is HALF ${HALF_VERSION}`);
    await expect(failed).rejects.toMatchObject({ hint: expect.stringMatching(/^restart half-syncd/) });
    expect(await other.exited).toBe(1); // terminated
    // a thread older than the check says only that it is ready
    const older = fakeKeeper("require('node:worker_threads').parentPort.postMessage('ready'); setInterval(() => {}, 1000);");
    await expect(SocketKeeper.start({ start: older.start }).lease({ groups: [] }, handlers)).rejects.toThrow(/is HALF of an unknown release/);
    expect(await older.exited).toBe(1);
  });

  it('gives up on a thread that is ready but never answers, after the answer deadline', async () => {
    // ready, then asleep for good: requests are never read, as with a stuck keeper
    const fake = fakeKeeper(`require('node:worker_threads').parentPort.postMessage({ release: ${JSON.stringify(HALF_VERSION)} }); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`);
    let worker: Worker | undefined;
    const keeper = SocketKeeper.start({ start: (data) => (worker = fake.start(data)), answerTimeoutMs: 200 });
    const failed = keeper.lease({ groups: [] }, handlers);
    await expect(failed).rejects.toThrow(NetlinkSocketError);
    await expect(failed).rejects.toThrow(/keeper thread did not answer "open" within 200 ms/);
    await expect(keeper.lease({ groups: [] }, handlers)).rejects.toThrow(/did not answer "open"/);
    await worker?.terminate();
  });
});

describe('SocketKeeper with its real thread', () => {
  it('closes a socket that could not join its groups, and leases a released socket again', async () => {
    const keeper = SocketKeeper.start({});
    const before = ownNetfilterSockets().length;
    // NETLINK_NETFILTER has some ten groups: joining group 99 fails in the kernel
    await expect(keeper.lease({ groups: [99] }, handlers)).rejects.toThrow(NetlinkSocketError);
    expect(ownNetfilterSockets()).toHaveLength(before);

    const lease = await keeper.lease({ groups: [] }, handlers);
    expect(ownNetfilterSockets()).toHaveLength(before + 1);
    lease.release();
    lease.release(); // idempotent
    expect(ownNetfilterSockets()).toHaveLength(before + 1); // kept
    const again = await keeper.lease({ groups: [] }, handlers);
    expect(again.fd).toBe(lease.fd);
    expect(ownNetfilterSockets()).toHaveLength(before + 1);
    // a different buffer size is another socket
    const other = await keeper.lease({ groups: [], recvBufferSize: 1 << 20 }, handlers);
    expect(other.fd).not.toBe(again.fd);
    expect(ownNetfilterSockets()).toHaveLength(before + 2);
    again.release();
    other.release();
  });
});
