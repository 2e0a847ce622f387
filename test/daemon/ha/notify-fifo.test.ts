// NotifyFifoReader on real FIFOs, written by separate processes that open them the way
// keepalived does (O_RDWR, non-blocking): creation, delivery across partial writes, and
// reopening when the FIFO is removed or replaced (as a keepalived that created its own does).
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NotifyEvent } from '../../../daemon/src/ha/notify-event.js';
import { NotifyFifoReader } from '../../../daemon/src/ha/notify-fifo.js';
import { ConfigError, DaemonStartError } from '../../../daemon/src/errors.js';
import { run } from '../../helpers/tools.js';
import { waitFor } from './fixtures/keepalived-pair.js';

/** Writes each piece in its own write(2), from a shell that holds the FIFO open read-write. */
async function writeLikeKeepalived(path: string, pieces: readonly string[]): Promise<void> {
  const script = 'exec 3<>"$1"; shift; for piece in "$@"; do printf "%b" "$piece" >&3; sleep 0.05; done';
  await run('sh', ['-c', script, 'writer', path, ...pieces], { check: true, timeoutMs: 10_000 });
}

describe('NotifyFifoReader', () => {
  let dir: string;
  let reader: NotifyFifoReader | undefined;
  const events: NotifyEvent[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-fifo-'));
  });
  afterEach(() => {
    reader?.close();
    reader = undefined;
    events.length = 0;
    problems.length = 0;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function start(path: string): Promise<void> {
    reader = new NotifyFifoReader({ path, onEvent: (e) => events.push(e), onProblem: (m) => problems.push(m), checkIntervalMs: 50 });
    return reader.start();
  }

  it('creates a 0600 FIFO (and its directory) and starts without waiting for a writer', async () => {
    const path = join(dir, 'run', 'half', 'keepalived.fifo');
    await start(path);
    const info = await stat(path);
    expect(info.isFIFO()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('delivers events split across writes, and counts and reports garbage', async () => {
    const path = join(dir, 'split.fifo');
    await start(path);
    await writeLikeKeepalived(path, ['INSTANCE "half_lan0" MAS', 'TER 150\\nGROUP "HA', 'LF" MASTER 0\\n', 'junk\\n']);
    await waitFor('two events', () => events.length === 2 && reader?.decoder.counters.malformed === 1, 10_000);
    expect(events).toEqual([
      { type: 'INSTANCE', name: 'half_lan0', state: 'MASTER', priority: 150 },
      { type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 },
    ]);
    expect(problems).toEqual([`${path}: a line was dropped: not "GROUP|INSTANCE "name" STATE priority": "junk"`]);
  });

  it('opens the FIFO again after a read error', async () => {
    const path = join(dir, 'read-error.fifo');
    await start(path);
    // what Node does on a failed read: the socket reports the error (and is destroyed)
    const opened = (reader as unknown as { current: { socket: import('node:net').Socket } }).current;
    opened.socket.emit('error', new Error('EIO: i/o error, read'));
    await waitFor('the reader to reopen', () => reader?.counters.opens === 2, 10_000);
    await writeLikeKeepalived(path, ['GROUP "HALF" BACKUP 0\\n']);
    await waitFor('the event after the error', () => events.length === 1, 10_000);
    expect(problems).toEqual([`${path}: read failed: EIO: i/o error, read; opening it again`]);
  });

  it('recreates and reopens the FIFO when it is removed', async () => {
    const path = join(dir, 'removed.fifo');
    await start(path);
    await rm(path);
    await waitFor('the FIFO to be recreated and reopened', async () => reader?.counters.opens === 2 && (await stat(path).then((s) => s.isFIFO(), () => false)), 10_000);
    await writeLikeKeepalived(path, ['GROUP "HALF" BACKUP 0\\n']);
    await waitFor('the event through the new FIFO', () => events.length === 1, 10_000);
    expect(problems).toEqual([]);
  });

  it('reopens when another process replaced the FIFO (a new inode)', async () => {
    const path = join(dir, 'replaced.fifo');
    await start(path);
    await run('sh', ['-c', 'rm "$1" && mkfifo -m 0600 "$1"', 'replace', path], { check: true });
    await waitFor('the reader to reopen', () => reader?.counters.opens === 2, 10_000);
    await writeLikeKeepalived(path, ['GROUP "HALF" FAULT 0\\n']);
    await waitFor('the event through the replaced FIFO', () => events.length === 1, 10_000);
  });

  it('refuses a path that is not a FIFO', async () => {
    const path = join(dir, 'plain-file');
    await writeFile(path, 'GROUP "HALF" MASTER 0\n');
    const refused = await start(path).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused).toMatchObject({ message: `${path} is not a FIFO`, hint: expect.stringContaining('[vrrp] notify-fifo') });
  });

  it('names a folder it cannot create as a start error with the fix (it was an unexpected error)', async () => {
    await writeFile(join(dir, 'not-a-folder'), '');
    const path = join(dir, 'not-a-folder', 'sub', 'keepalived.fifo');
    const refused = await start(path).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(DaemonStartError);
    expect(refused).toMatchObject({ message: `cannot create ${join(dir, 'not-a-folder', 'sub')}, the folder of the notify FIFO: ENOTDIR`, hint: expect.stringContaining('below /run/half') });
  });
});
