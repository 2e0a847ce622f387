// Running the reference tools: one process with its output captured (or sent to a file), and a
// pool that keeps `concurrency` of them running at once. Spawned directly, without a shell.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Write stdout to this file instead of capturing it. */
  readonly stdoutFile?: string;
  readonly stdin?: 'ignore' | 'inherit';
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command args…`; rejects with the command line, exit status and stderr when it fails. */
export function runTool(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const out = options.stdoutFile === undefined ? 'pipe' : openSync(options.stdoutFile, 'w');
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.stdin ?? 'ignore', out, 'pipe'],
    });
    if (typeof out === 'number') closeSync(out);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => stdout.push(b));
    child.stderr?.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', (cause) => reject(new Error(`cannot run ${command}: ${cause.message} (is it installed?)`, { cause })));
    child.on('close', (code, signal) => {
      const result = { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
      if (code === 0) resolve(result);
      else reject(new Error(`${command} ${args.join(' ').slice(0, 200)} failed (${signal ?? `exit ${code}`}): ${result.stderr.trim().slice(0, 2000)}`));
    });
  });
}

/** Runs every task, at most `concurrency` at a time; resolves when all are done, rejects on the first failure. */
export async function runPool(tasks: readonly (() => Promise<unknown>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<unknown>;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker));
}

/** First line of `command args` (its version banner), or "missing". */
export async function toolVersion(command: string, args: readonly string[] = ['--version']): Promise<string> {
  try {
    const { stdout, stderr } = await runTool(command, args);
    return (stdout.trim() || stderr.trim()).split('\n')[0] ?? '?';
  } catch {
    return 'missing';
  }
}
