import { readSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withoutStackTraces } from '../../../daemon/src/kernel/without-stack-traces.js';

describe('withoutStackTraces', () => {
  it('returns what the code returns and restores the limit', () => {
    const limit = Error.stackTraceLimit;
    expect(withoutStackTraces(() => Error.stackTraceLimit)).toBe(0);
    expect(withoutStackTraces(() => 42)).toBe(42);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('lets an error through, with its code but without stack frames, and restores the limit when it does', () => {
    const limit = Error.stackTraceLimit;
    let caught: NodeJS.ErrnoException | undefined;
    try {
      withoutStackTraces(() => readSync(2 ** 30, Buffer.alloc(1))); // no such descriptor
    } catch (error) {
      caught = error as NodeJS.ErrnoException;
    }
    expect(caught?.code).toBe('EBADF');
    expect(caught?.stack?.split('\n').filter((line) => line.trimStart().startsWith('at '))).toEqual([]);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
