import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PipeWriter } from '../../../daemon/src/kernel/pipe-writer.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** A FIFO with both ends non-blocking, the write end also held by a net.Socket (as fd 3 in the pump). */
function fifo(): { read: number; write: number; stream: Socket; closeReader(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'h13-pipe-'));
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const write = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  const stream = new Socket({ fd: write, readable: false, writable: true });
  stream.on('error', () => undefined); // EPIPE once the reader is gone
  let readerOpen = true;
  const closeReader = (): void => {
    if (readerOpen) closeSync(read);
    readerOpen = false;
  };
  cleanups.push(() => {
    stream.destroy(); // closes `write`
    closeReader();
    rmSync(dir, { recursive: true, force: true });
  });
  return { read, write, stream, closeReader };
}

/** Reads from the non-blocking `fd` until `bytes` arrived (the stream writes its queue meanwhile). */
async function readAll(fd: number, bytes: number): Promise<Buffer> {
  const out = Buffer.alloc(bytes);
  let got = 0;
  const deadline = Date.now() + 5000;
  while (got < bytes) {
    try {
      got += readSync(fd, out, got, bytes - got, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      if (Date.now() > deadline) throw new Error(`only ${got} of ${bytes} bytes arrived`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return out;
}

function pattern(length: number, seed: number): Buffer {
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buf[i] = (i * 31 + seed) & 0xff;
  return buf;
}

describe('PipeWriter', () => {
  it('writes straight to the descriptor while the pipe takes everything', async () => {
    const { read, write, stream } = fifo();
    const writer = new PipeWriter(write, stream);
    const chunk = pattern(1000, 1);
    writer.write(chunk);
    expect(writer.queued).toBe(0);
    expect(writer.backlog).toBe(0);
    chunk.fill(0); // the caller reuses its buffer at once: what was written is unaffected
    expect(await readAll(read, 1000)).toEqual(pattern(1000, 1));
  });

  it('queues what a full pipe does not take, copies it, and keeps later chunks behind it', async () => {
    const { read, write, stream } = fifo();
    const writer = new PipeWriter(write, stream);
    // larger than a pipe holds (64 KiB by default): the rest goes through the stream
    const first = pattern(256 * 1024, 2);
    const second = pattern(5000, 3);
    writer.write(first);
    expect(writer.queued).toBe(1);
    expect(writer.backlog).toBeGreaterThan(0);
    first.fill(0);
    writer.write(second); // bytes wait in the stream: this one must not overtake them
    expect(writer.queued).toBe(2);
    second.fill(0);
    const all = await readAll(read, 256 * 1024 + 5000);
    expect(all.equals(Buffer.concat([pattern(256 * 1024, 2), pattern(5000, 3)]))).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.backlog).toBe(0);
    const third = pattern(100, 4);
    writer.write(third); // drained: straight writes again
    expect(writer.queued).toBe(2);
    expect(await readAll(read, 100)).toEqual(third);
  });

  it('throws what is not a full pipe (the reader went away: EPIPE)', () => {
    const { write, stream, closeReader } = fifo();
    const writer = new PipeWriter(write, stream);
    closeReader();
    expect(() => writer.write(pattern(10, 5))).toThrow(/EPIPE/);
  });
});
