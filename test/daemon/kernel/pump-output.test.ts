import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameReader } from '../../../daemon/src/kernel/pump-frames.js';
import { PumpOutput } from '../../../daemon/src/kernel/pump-output.js';

/** A netlink-like message: nlmsg_len, then type/flags/seq, then nlmsg_pid at byte 12. */
function message(pid: number, fill: number): Buffer {
  const buf = Buffer.alloc(20, fill);
  buf.writeUInt32LE(20, 0);
  buf.writeUInt32LE(pid, 12);
  return buf;
}

/** What the parent would read back from the chunks the pump wrote. */
function datagramsIn(chunks: readonly Buffer[]): string[] {
  const seen: string[] = [];
  const reader = new FrameReader({ datagram: (buf) => seen.push(Buffer.from(buf).toString('hex')), control: () => undefined });
  for (const chunk of chunks) reader.push(chunk);
  return seen;
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** A non-blocking FIFO (an empty one answers EAGAIN, like the pump's netlink socket). */
function fifo(): { read: number; write: number } {
  const dir = mkdtempSync(join(tmpdir(), 'h13-pump-'));
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const write = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  cleanups.push(() => {
    closeSync(read);
    closeSync(write);
    rmSync(dir, { recursive: true, force: true });
  });
  return { read, write };
}

describe('PumpOutput', () => {
  it('drains what the descriptor holds, stops at EAGAIN, and leaves Error.stackTraceLimit as it was', () => {
    const { read, write } = fifo();
    const chunks: Buffer[] = [];
    const output = new PumpOutput((chunk) => chunks.push(Buffer.from(chunk)));
    writeSync(write, message(7, 0xaa));
    const limit = Error.stackTraceLimit;
    expect(output.drain(read, 16)).toEqual({ read: 1, echoes: 0, overruns: 0, error: undefined });
    expect(output.drain(read, 16)).toEqual({ read: 0, echoes: 0, overruns: 0, error: undefined });
    expect(Error.stackTraceLimit).toBe(limit);
    output.flush();
    expect(datagramsIn(chunks)).toEqual([message(7, 0xaa).toString('hex')]);
  });

  it('keeps every datagram in order when the buffer wraps; each write gets the bytes gathered so far', () => {
    const chunks: Buffer[] = [];
    // the view is valid only during the call: a writer that keeps it copies it (pipe-writer.ts)
    const output = new PumpOutput((chunk) => chunks.push(Buffer.from(chunk)), new Set(), 64);
    output.datagram(message(1, 0x11));
    output.flush();
    expect(datagramsIn(chunks)).toEqual([message(1, 0x11).toString('hex')]);
    // enough to wrap the 64-byte buffer several times (room() flushes on the way)
    for (let i = 0; i < 10; i++) output.datagram(message(2, 0x20 + i));
    output.flush();
    expect(chunks.length).toBeGreaterThan(2);
    expect(datagramsIn(chunks)).toEqual([message(1, 0x11), ...Array.from({ length: 10 }, (_, i) => message(2, 0x20 + i))].map((m) => m.toString('hex')));
    expect(output.pending).toBe(0);
  });

  it('drops the echoes of the given netlink ports and counts them', () => {
    const chunks: Buffer[] = [];
    const output = new PumpOutput((chunk) => chunks.push(Buffer.from(chunk)), new Set([4242]));
    output.datagram(message(4242, 1));
    output.datagram(message(5, 2));
    output.flush();
    expect(output.dropped).toBe(1);
    expect(datagramsIn(chunks)).toEqual([message(5, 2).toString('hex')]);
    // a datagram the caller looks at first (a reader's first of a wake) is counted alike
    expect(output.dropsEcho(message(4242, 3))).toBe(true);
    expect(output.dropsEcho(message(5, 4))).toBe(false);
    expect(output.dropped).toBe(2);
    // a drain tells how many of what it read were echoes (a reader's pacer leaves them out)
    // (one message at a time: a pipe, unlike the netlink socket, reads them all as one)
    const { read, write } = fifo();
    const drained = [4242, 5].map((port) => {
      writeSync(write, message(port, 5));
      return output.drain(read, 16);
    });
    expect(drained).toEqual([{ read: 1, echoes: 1, overruns: 0, error: undefined }, { read: 1, echoes: 0, overruns: 0, error: undefined }]);
    expect(output.dropped).toBe(3);
  });
});
