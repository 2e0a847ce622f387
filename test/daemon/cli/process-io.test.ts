// The process edge's writers: a reader gone (EPIPE) is quiet, any other write error (a full disk)
// is said once and exits 7, never a stack trace; for real, `half --help > /dev/full`.
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pipeWriter } from '../../../daemon/src/cli/process-io.js';

const run = promisify(execFile);

function failing(code: string): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
}

describe('pipeWriter', () => {
  it('turns quiet when the reader has gone, and says a write error once with exit status 7', async () => {
    for (const [code, said, exit] of [['EPIPE', [], []], ['ENOSPC', ['half: cannot write the output: ENOSPC (the disk is full)\n'], [7]]] as const) {
      const reports: string[] = [];
      const exits: number[] = [];
      const write = pipeWriter(failing(code), (text) => reports.push(text), (status) => exits.push(status));
      write('one\n');
      await new Promise((resolve) => setImmediate(resolve));
      write('two\n');
      await new Promise((resolve) => setImmediate(resolve));
      expect(reports).toEqual(said);
      expect(exits).toEqual(exit);
    }
  });

  it('exits 7 with one line, no stack trace, when half cannot write its output (a full disk)', async () => {
    const result = await run('sh', ['-c', 'node --import tsx daemon/src/cli/half-main.ts --help > /dev/full; echo "exit $?" >&2'], { cwd: process.cwd() }).catch((error: { stdout: string; stderr: string }) => error);
    expect(result.stderr).toContain('half: cannot write the output: ENOSPC (the disk is full)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toContain('exit 7');
  });
});
