// ResyncTracker on a FakeClock with a real file: the first value overwrites what an earlier run
// left, verdict changes are written and logged, a file keepalived rewrote (init_file overwrite at
// its start) or that was deleted is put right, a stopping or crashing receiver leaves 1 while a
// sender leaves 0, and write failures are counted and retried.
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../daemon/src/metrics/logger.js';
import { ResyncTracker } from '../../../daemon/src/runtime/resync-tracker.js';
import type { NodeView } from '../../../daemon/src/runtime/resync-verdict.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { run } from '../../helpers/tools.js';
import { recordingLogger } from './recording-logger.js';

const REPO = new URL('../../../', import.meta.url).pathname;

const waiting: NodeView = { role: 'receiver', peers: [{ nodeId: 2, alive: true, role: 'sender', resynced: false }] };
const resynced: NodeView = { role: 'receiver', peers: [{ nodeId: 2, alive: true, role: 'sender', resynced: true }] };
const sending: NodeView = { role: 'sender', peers: [{ nodeId: 2, alive: true, role: 'receiver', resynced: false }] };

describe('ResyncTracker', () => {
  let dir: string;
  let path: string;
  const trackers: ResyncTracker[] = [];
  const open = (clock: FakeClock, pending: boolean, logger: Logger = recordingLogger()): ResyncTracker => {
    const tracker = ResyncTracker.open({ path, clock, logger, pending, checkMs: 100, reassertMs: 1000 });
    trackers.push(tracker);
    return tracker;
  };
  const content = (): Promise<string> => readFile(path, 'utf8');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'h17-tracker-'));
    path = join(dir, 'resync-pending');
  });
  afterEach(() => {
    for (const tracker of trackers.splice(0)) tracker.stop();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts pending over a 0 that an earlier run left, unless the node already holds its addresses', async () => {
    await writeFile(path, '0\n');
    open(new FakeClock(), true);
    expect(await content()).toBe('1\n');
    trackers.splice(0)[0]?.stop();
    open(new FakeClock(), false);
    expect(await content()).toBe('0\n');
  });

  it('writes the verdict when it changes, and says so in the log', async () => {
    const clock = new FakeClock();
    const logger = recordingLogger();
    const tracker = open(clock, true, logger);
    let view = waiting;
    tracker.follow(() => view);
    clock.advance(1000);
    expect([await content(), tracker.counters.changes]).toEqual(['1\n', 1]);
    view = resynced;
    clock.advance(100);
    expect([await content(), tracker.pending, tracker.counters.changes]).toEqual(['0\n', false, 2]);
    expect(logger.lines.at(-1)).toMatch(/^info resync done: keepalived may give this node its virtual addresses .*"reason":"resynced from node 2"/);
    view = { role: 'receiver', peers: [{ nodeId: 2, alive: true, role: 'sender', resynced: false }] };
    clock.advance(100);
    expect(await content()).toBe('1\n');
    expect(logger.lines.at(-1)).toMatch(/^info resync pending: .*"reason":"waiting for a full resync from node 2"/);
  });

  it('puts the file right when keepalived rewrote it at its start, or it was deleted', async () => {
    const clock = new FakeClock();
    const tracker = open(clock, true);
    tracker.follow(() => sending);
    clock.advance(100);
    expect(await content()).toBe('0\n');
    await writeFile(path, '1\n'); // keepalived's init_file 1 overwrite
    clock.advance(1000);
    expect([await content(), tracker.counters.rewrites]).toEqual(['0\n', 1]);
    tracker.stop();
    const again = open(clock, true);
    again.follow(() => waiting);
    await unlink(path); // keepalived reads a missing file as 0: wrong for a pending node
    clock.advance(1000);
    expect([await content(), again.counters.rewrites]).toEqual(['1\n', 1]);
  });

  it('leaves the value it opened with when the start fails before it follows the node', async () => {
    // a restart that fails on the node holding the VIPs must not demote it (track_file weight -253)
    open(new FakeClock(), false).stop();
    expect(await content()).toBe('0\n');
    open(new FakeClock(), true).stop();
    expect(await content()).toBe('1\n');
  });

  it('leaves 1 behind when a receiver stops, 0 when the sender stops, and no timer', async () => {
    const clock = new FakeClock();
    const receiver = open(clock, true);
    receiver.follow(() => resynced);
    clock.advance(100);
    expect(await content()).toBe('0\n');
    receiver.stop();
    receiver.stop();
    expect(await content()).toBe('1\n');
    expect(clock.pendingTimers).toBe(0);
    const sender = open(clock, true);
    sender.follow(() => sending);
    sender.stop();
    expect(await content()).toBe('0\n');
    expect(clock.pendingTimers).toBe(0);
  });

  it('judges a stopping node by its role at the stop, not at its last check (a takeover just ended)', async () => {
    const clock = new FakeClock();
    let view = resynced;
    const tracker = open(clock, true);
    tracker.follow(() => view);
    clock.advance(200);
    expect(await content()).toBe('0\n');
    // the takeover's plan made it the sender; SIGTERM 30 ms later, before the next check
    view = sending;
    clock.advance(30);
    tracker.stop();
    expect(await content(), 'stopping half-syncd on the MASTER must not move the addresses').toBe('0\n');
  });

  it('counts and logs a failed write, and writes again once it can', async () => {
    const clock = new FakeClock();
    const logger = recordingLogger();
    const tracker = open(clock, true, logger);
    let view = waiting;
    tracker.follow(() => view);
    await rm(dir, { recursive: true });
    await writeFile(dir, 'not a folder any more');
    view = resynced;
    clock.advance(300);
    expect(tracker.counters.writeErrors).toBeGreaterThanOrEqual(1);
    expect(tracker.pending).toBe(true);
    expect(logger.lines.some((l) => /^error cannot update the resync file .*cannot write the resync file/.test(l))).toBe(true);
    await rm(dir);
    await mkdir(dir);
    clock.advance(100);
    expect([await content(), tracker.pending]).toEqual(['0\n', false]);
  });

  it.each([
    ['a receiver', "resynced", '1\n'],
    ['the sender', "sending", '0\n'],
  ])('leaves the right value when %s crashes (uncaught exception, Node exits)', async (_who, view, expected) => {
    const script = `
      import { ResyncTracker } from './daemon/src/runtime/resync-tracker.ts';
      import { silentLogger } from './daemon/src/metrics/logger.ts';
      import { systemClock } from './daemon/src/sync/clock.ts';
      const tracker = ResyncTracker.open({ path: ${JSON.stringify(path)}, clock: systemClock, logger: silentLogger, pending: false });
      const view = ${JSON.stringify(view === 'sending' ? sending : resynced)};
      tracker.follow(() => view);
      setTimeout(() => { throw new Error('boom'); }, 50);
    `;
    const result = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('boom');
    expect(await content()).toBe(expected);
  });
});
