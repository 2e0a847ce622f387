// A request the kernel stops answering, or an answer that does not parse, fails that request
// instead of holding every later one behind it. The kernel always answers, so the requests are
// kept from leaving (the socket's send does nothing) and a damaged datagram is handed in; the
// socket itself is real, and nothing is sent.
import { afterEach, expect, it } from 'vitest';
import type { ConntrackIdentity } from '../../../daemon/src/kernel/ct-entry.js';
import { KernelRequestError } from '../../../daemon/src/kernel/errors.js';
import { NetlinkKernelDumper } from '../../../daemon/src/kernel/netlink-kernel-dumper.js';

interface Internals {
  socket: { send(bytes: Buffer): Promise<void> };
  onDatagram(buf: Buffer): void;
}

let dumper: NetlinkKernelDumper | undefined;
afterEach(() => dumper?.close());

function silenced(stallMs: number): { dumper: NetlinkKernelDumper; inside: Internals } {
  dumper = new NetlinkKernelDumper({}, stallMs);
  const inside = dumper as unknown as Internals;
  inside.socket.send = async () => undefined;
  return { dumper, inside };
}

const KEY: ConntrackIdentity = { family: 'ipv4', orig: { src: '192.0.2.1', dst: '198.51.100.1', proto: 6, sport: 1, dport: 2 }, zone: 0 };

it('fails a dump and a get the kernel does not answer, one after the other, not the second behind the first for ever', async () => {
  const { dumper: quiet } = silenced(200);
  const started = performance.now();
  const first = quiet.dumpConntrack().catch((e: unknown) => e);
  const second = quiet.getConntrack(KEY).catch((e: unknown) => e);
  const [a, b] = await Promise.all([first, second]);
  expect(a).toBeInstanceOf(KernelRequestError);
  expect(String(a)).toContain('the kernel did not answer a dump for 0 s');
  expect((a as KernelRequestError).errno).toBe(110);
  expect(String(b)).toContain('the kernel did not answer a conntrack get');
  expect(performance.now() - started).toBeGreaterThanOrEqual(400);
});

it('fails a dump whose answer datagram does not parse (its end may have been in the lost part)', async () => {
  const { dumper: quiet, inside } = silenced(60_000);
  const dump = quiet.dumpConntrack().catch((e: unknown) => e);
  await new Promise((resolve) => setImmediate(resolve));
  const header = Buffer.alloc(16);
  header.writeUInt32LE(400, 0); // claims 400 bytes, has 16
  inside.onDatagram(header);
  expect(String(await dump)).toMatch(/an answer of the kernel did not parse: netlink message at offset 0 claims 400 bytes/);
});

/** A netlink message of `type` answering request `seq`, with `payload`. */
function answer(type: number, seq: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + payload.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt32LE(seq, 8);
  return Buffer.concat([header, payload]);
}

it('fails a dump whose DONE carries an errno, and a get answered by an error too short to hold one', async () => {
  const { dumper: quiet, inside } = silenced(60_000);
  const seqOf = (): number => (inside as unknown as { collector?: { seq: number } }).collector?.seq as number;
  const dump = quiet.dumpConntrack().catch((e: unknown) => e);
  await new Promise((resolve) => setImmediate(resolve));
  const errno = Buffer.alloc(4);
  errno.writeInt32LE(-105, 0); // -ENOBUFS, as netlink_dump puts a failed callback's error in its DONE
  inside.onDatagram(answer(3 /* NLMSG_DONE */, seqOf(), errno));
  expect(String(await dump)).toContain("the kernel's dump ended with errno 105");
  const get = quiet.getConntrack(KEY).catch((e: unknown) => e);
  await new Promise((resolve) => setImmediate(resolve));
  inside.onDatagram(answer(2 /* NLMSG_ERROR */, seqOf(), Buffer.from([0xff, 0xff])));
  expect(String(await get)).toContain('the kernel refused a conntrack get (errno 71)');
});
