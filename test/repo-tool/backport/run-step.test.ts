import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep, SYSTEM_PATH, tryStep } from '../../../repo-tool/src/backport/run-step.js';
import { ExitCode, ToolError } from '../../../repo-tool/src/model/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-run-step-'));
});
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('runStep', () => {
  it('returns the output of a command that succeeds, interleaved in `output`', async () => {
    const result = await runStep('sh', ['-c', 'echo out; echo err >&2'], { step: 'echo', env: { PATH: SYSTEM_PATH } });
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect(result.output).toMatch(/out\n[^]*err\n|err\n[^]*out\n/);
    expect(result.exitCode).toBe(0);
  });

  it('throws a ToolError (exit code 8) naming the step, the command, the log and the tail', async () => {
    const logFile = join(dir, 'step.log');
    const script = 'for i in $(seq 1 40); do echo line $i; done; exit 4';
    const failing = runStep('sh', ['-c', script], { step: 'count', logFile, hint: 'count less', env: { PATH: SYSTEM_PATH } });
    await expect(failing).rejects.toBeInstanceOf(ToolError);
    const error = (await failing.catch((e: unknown) => e)) as ToolError;
    expect(error.exitCode).toBe(ExitCode.tool);
    expect(error.hint).toBe('count less');
    expect(error.message).toContain(`backport step "count" failed: "sh -c ${script}" exited with 4 (whole log: ${logFile}):\n…\n`);
    expect(error.message).toMatch(/line 40$/);
    expect(error.message).not.toContain('line 15\n');
    const log = await readFile(logFile, 'utf8');
    expect(log.startsWith(`$ sh -c ${script}\nline 1\n`)).toBe(true);
    expect(log).toContain('line 40\n');
  });

  it('shows the display command instead of a wrapper', async () => {
    const failing = runStep('sh', ['-c', 'exit 1'], { step: 'wrapped', display: 'the real thing', env: { PATH: SYSTEM_PATH } });
    await expect(failing).rejects.toThrow('backport step "wrapped" failed: "the real thing" exited with 1');
  });
});

describe('tryStep', () => {
  it('reports a non-zero exit without throwing, and a missing tool as a ToolError naming its package', async () => {
    expect((await tryStep('false', [], { step: 'f', env: { PATH: SYSTEM_PATH } })).exitCode).toBe(1);
    const missing = tryStep('mmdebstrap', [], { step: 'bootstrap', env: { PATH: join(dir, 'empty') } });
    await expect(missing).rejects.toBeInstanceOf(ToolError);
    await expect(missing).rejects.toMatchObject({ hint: 'install it: apt-get install mmdebstrap' });
  });
});
