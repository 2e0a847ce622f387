// runTool against real programs, and under a real shortage of file descriptors (ulimit -n), where
// execa 9.6.0 (the design card's process library, pinned in package.json) fails in a way a daemon
// cannot catch: its promise rejects with a TypeError and the child's 'error' event is left
// unhandled, an uncaught exception. runTool returns the failure as a result. Should a later execa
// fix it, the second half of that test fails and says so: the daemon could then use execa again.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runTool } from '../../../daemon/src/tools/run-tool.js';

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;

describe('runTool', () => {
  it('returns output and exit status, feeds the input, and never rejects', async () => {
    expect(await runTool('sh', ['-c', 'echo out; echo err >&2'])).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    expect(await runTool('cat', [], { input: 'table inet half {}\n' })).toMatchObject({ code: 0, stdout: 'table inet half {}\n' });
    // no input: an empty, closed stdin (cat ends at once rather than waiting)
    expect(await runTool('cat', [])).toMatchObject({ code: 0, stdout: '' });
    const failed = await runTool('sh', ['-c', 'echo refused >&2; exit 3']);
    expect(failed).toMatchObject({ code: 3, stderr: 'refused\n' });
    expect(failed.error).toMatch(/^Command failed: sh -c/);
    // a tool that exits without reading a large input (EPIPE on its stdin)
    expect(await runTool('true', [], { input: 'x'.repeat(4 << 20) })).toMatchObject({ code: 0 });
    const missing = await runTool('half-no-such-tool', ['-f', '-']);
    expect(missing).toMatchObject({ code: null, stdout: '', stderr: '' });
    expect(missing.error).toBe('cannot run half-no-such-tool (ENOENT: no such program)');
    const slow = await runTool('sleep', ['5'], { timeoutMs: 100 });
    expect(slow).toMatchObject({ code: null, error: 'sleep did not finish within 100 ms and was stopped' });
    // one that ignores SIGTERM is killed all the same, after a grace of 2 s
    const started = performance.now();
    const stubborn = await runTool('sh', ['-c', 'trap "" TERM; exec sleep 30'], { timeoutMs: 100 });
    expect(stubborn).toMatchObject({ code: null, error: 'sh did not finish within 100 ms and was stopped' });
    expect(performance.now() - started).toBeLessThan(10_000);
    const killed = await runTool('sh', ['-c', 'kill -KILL $$']);
    expect(killed).toMatchObject({ code: null, error: 'sh was killed by SIGKILL' });
    const flood = await runTool('head', ['-c', String(65 << 20), '/dev/zero']);
    expect(flood).toMatchObject({ code: null, error: `head wrote more than ${64 << 20} bytes and was stopped` });
    const refused = await runTool('echo', ['a\0b']);
    expect(refused.code).toBeNull();
    expect(refused.error).toMatch(/^cannot run echo: .*null bytes/);
  });

  /**
   * Runs `body` in a Node whose descriptors are all taken; returns what it printed. The limit is
   * 1024, not lower: the module loader opens many files at once while it loads execa, before the
   * script runs, and under `ulimit -n 64` it ran out itself now and then (EMFILE in CI).
   */
  async function withoutDescriptors(imports: string, body: string): Promise<{ uncaught: string[]; outcome: string }> {
    const script = `
      ${imports}
      import { openSync } from 'node:fs';
      const uncaught = [];
      process.on('uncaughtException', (e) => uncaught.push(e.message));
      const fds = [];
      try { for (;;) fds.push(openSync('/dev/null', 'r')); } catch {}
      let outcome;
      try { outcome = ${body}; } catch (e) { outcome = 'rejected: ' + e.constructor.name + ': ' + e.message; }
      await new Promise((r) => setTimeout(r, 100));
      for (const fd of fds.slice(0, 8)) (await import('node:fs')).closeSync(fd);
      console.log(JSON.stringify({ uncaught, outcome }));
    `;
    const { stdout } = await run('sh', ['-c', 'ulimit -n 1024 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script], { cwd: REPO });
    return JSON.parse(stdout) as { uncaught: string[]; outcome: string };
  }

  it('reports a spawn that fails for want of file descriptors (EMFILE), where execa throws an uncaught exception', async () => {
    const ours = await withoutDescriptors(
      `import { runTool } from './daemon/src/tools/run-tool.ts';`,
      `JSON.stringify(await runTool('cat', ['-'], { input: 'text' }))`,
    );
    expect(ours.uncaught).toEqual([]);
    expect(JSON.parse(ours.outcome)).toEqual({ code: null, stdout: '', stderr: '', error: 'cannot run cat (EMFILE)' });

    const theirs = await withoutDescriptors(`import { execa } from 'execa';`, `JSON.stringify(await execa('cat', ['-'], { input: 'text', reject: false }))`);
    expect(theirs.outcome).toBe('rejected: TypeError: subprocess.stdio is not iterable');
    expect(theirs.uncaught).toEqual(['spawn cat EMFILE']);
  });
});
