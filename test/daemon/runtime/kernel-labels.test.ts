// The start-up read of the kernel for labelled connections (daemon/src/runtime/kernel-labels.ts),
// its logic over a dumper and writer of the test's; the real dump is in
// test/daemon/kernel/netlink-kernel-dumper.test.ts, a real restart in
// test/daemon/integration/direct-mode.test.ts.
import { describe, expect, it } from 'vitest';
import { acceptAllFlows } from '../../../daemon/src/kernel/flow-filter.js';
import type { KernelDumper } from '../../../daemon/src/kernel/kernel-roles.js';
import { KernelLabelsRead } from '../../../daemon/src/runtime/kernel-labels.js';
import { recordingLogger } from './recording-logger.js';

/** A dumper whose countLabelled answers when the test says, and that counts its closes. */
function heldDumper() {
  let answer: { resolve: (n: number) => void; reject: (e: Error) => void } | undefined;
  const state = { closes: 0 };
  const dumper = {
    countLabelled: () => new Promise<number>((resolve, reject) => (answer = { resolve, reject })),
    close: () => void state.closes++,
  } as unknown as KernelDumper;
  return { dumper, state, answer: () => answer as NonNullable<typeof answer> };
}

function writer() {
  const told: boolean[] = [];
  return { told, labelsHeld: (held: boolean) => void told.push(held) };
}

describe('KernelLabelsRead', () => {
  it('takes labels to be held until the kernel answers, then as the answer says, and closes its socket', async () => {
    for (const [count, held] of [[0, false], [3, true]] as const) {
      const { dumper, state, answer } = heldDumper();
      const w = writer();
      const logger = recordingLogger();
      const read = new KernelLabelsRead(dumper, w, acceptAllFlows, logger);
      expect(w.told).toEqual([true]);
      answer().resolve(count);
      await read.done;
      expect(w.told).toEqual([true, held]);
      expect(state.closes).toBe(1);
      expect(logger.lines.some((l) => l.startsWith('info the kernel holds labelled connections'))).toBe(held);
    }
  });

  it('leaves labels held when the read fails, and says so', async () => {
    const { dumper, state, answer } = heldDumper();
    const w = writer();
    const logger = recordingLogger();
    const read = new KernelLabelsRead(dumper, w, acceptAllFlows, logger);
    answer().reject(new Error('the dump overran the receive buffer'));
    await read.done;
    expect(w.told).toEqual([true]);
    expect(logger.lines).toEqual([expect.stringMatching(/^warn reading the kernel table for labels failed.*overran/)]);
    expect(state.closes).toBe(1);
  });

  it('stops quietly: the socket closed, nothing logged, the writer left as it is', async () => {
    const { dumper, state, answer } = heldDumper();
    const w = writer();
    const logger = recordingLogger();
    const read = new KernelLabelsRead(dumper, w, acceptAllFlows, logger);
    read.stop();
    expect(state.closes).toBe(1);
    answer().reject(new Error('socket closed'));
    await read.done;
    expect(logger.lines).toEqual([]);
    expect(w.told).toEqual([true]);
  });
});
