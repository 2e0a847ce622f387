// Runs external tools (xz, zstd): as filters (bytes to stdin, bytes from stdout, collected or
// streamed) or as plain commands. Spawned directly with node:child_process (cheaper than a shell or execa for
// thousands of tiny members), with a fixed environment so the user's XZ_OPT/XZ_DEFAULTS/ZSTD_*
// cannot change the output, and a process-wide cap on concurrent tools so that building
// thousands of packages at once queues instead of forking thousands of processes.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface FilterFailure {
  readonly kind: 'missing' | 'failed' | 'too-large';
  readonly message: string;
}

export type FilterResult = { readonly ok: true; readonly output: Uint8Array } | { readonly ok: false; readonly failure: FilterFailure };
export type ToolResult = { readonly ok: true } | { readonly ok: false; readonly failure: FilterFailure };

const limit = Math.max(2, availableParallelism() * 2);
let running = 0;
const waiting: (() => void)[] = [];

async function acquire(): Promise<void> {
  if (running < limit) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const next = waiting.shift();
  if (next !== undefined) next();
  else running--;
}

/** Runs `fn` once one of the process slots is free. */
export async function withProcessSlot<T>(fn: () => Promise<T>): Promise<T> {
  await acquire();
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Only PATH (read at each spawn) and the C locale reach the tool. */
function toolEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' };
}

function runOnce(command: string, args: readonly string[], input: Uint8Array | undefined, maxOutput: number, cwd?: string): Promise<FilterResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: toolEnv(), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    let length = 0;
    let failure: FilterFailure | undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      length += chunk.byteLength;
      if (length > maxOutput) {
        failure ??= { kind: 'too-large', message: `${command} output exceeds ${maxOutput} bytes` };
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk));
    child.stdin?.on('error', () => undefined); // EPIPE when the filter stops early; its exit status tells
    child.on('error', (error: NodeJS.ErrnoException) => {
      failure ??= error.code === 'ENOENT' ? { kind: 'missing', message: `${command} is not installed` } : { kind: 'failed', message: error.message };
    });
    child.on('close', (code, signal) => {
      if (failure !== undefined) return resolve({ ok: false, failure });
      if (code !== 0) {
        const stderr = Buffer.concat(errors).toString('utf8').trim();
        return resolve({ ok: false, failure: { kind: 'failed', message: `${command} ${args.join(' ')} exited with ${code ?? signal}${stderr === '' ? '' : `: ${stderr}`}` } });
      }
      const output = Buffer.concat(chunks, length);
      resolve({ ok: true, output: new Uint8Array(output.buffer, output.byteOffset, output.byteLength) });
    });
    child.stdin?.end(input);
  });
}

/** Pipes `input` through `command args`; never throws, at most `maxOutput` bytes are kept. */
export function runFilter(command: string, args: readonly string[], input: Uint8Array, maxOutput = 2 ** 31): Promise<FilterResult> {
  return withProcessSlot(() => runOnce(command, args, input, maxOutput));
}

/** A streamed filter's failure, thrown by `filterOutput`. */
export class FilterError extends Error {
  constructor(readonly failure: FilterFailure) {
    super(failure.message);
    this.name = 'FilterError';
  }
}

const STDERR_KEPT = 64 * 1024;

/**
 * Pipes `input` through `command args` and yields its output as it comes, never more than
 * `maxOutput` bytes in all; throws a FilterError when the tool is missing, fails or writes more.
 * The tool holds a process slot until the output is read to the end or the reader stops (which
 * kills it); stdout is paused while the reader is busy, so only a pipe's worth is in memory.
 */
export async function* filterOutput(command: string, args: readonly string[], input: Uint8Array, maxOutput = 2 ** 31): AsyncGenerator<Uint8Array, void, undefined> {
  await acquire();
  const child = spawn(command, args, { env: toolEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let spawnError: NodeJS.ErrnoException | undefined;
  child.on('error', (error: NodeJS.ErrnoException) => (spawnError ??= error));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  const errors: Buffer[] = [];
  let errorBytes = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    if (errorBytes < STDERR_KEPT) errors.push(chunk);
    errorBytes += chunk.byteLength;
  });
  child.stdin.on('error', () => undefined); // EPIPE when the filter stops early; its exit status tells
  child.stdin.end(input);
  let done = false;
  try {
    let length = 0;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        length += chunk.byteLength;
        if (length > maxOutput) throw new FilterError({ kind: 'too-large', message: `${command} output exceeds ${maxOutput} bytes` });
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    } catch (error) {
      if (error instanceof FilterError) throw error;
      if (spawnError === undefined) throw new FilterError({ kind: 'failed', message: `reading ${command}'s output: ${(error as Error).message}` });
    }
    const [code, signal] = await closed;
    done = true;
    if (spawnError !== undefined) {
      throw new FilterError(spawnError.code === 'ENOENT' ? { kind: 'missing', message: `${command} is not installed` } : { kind: 'failed', message: spawnError.message });
    }
    if (code !== 0) {
      const stderr = Buffer.concat(errors).toString('utf8').trim();
      throw new FilterError({ kind: 'failed', message: `${command} ${args.join(' ')} exited with ${code ?? signal}${stderr === '' ? '' : `: ${stderr}`}` });
    }
  } finally {
    if (!done) {
      child.kill('SIGKILL');
      await closed;
    }
    release();
  }
}

/** Runs `command args` in `cwd` without input; never throws. The caller holds a process slot. */
export async function runToolInSlot(command: string, args: readonly string[], cwd: string): Promise<ToolResult> {
  const result = await runOnce(command, args, undefined, 1 << 20, cwd);
  return result.ok ? { ok: true } : result;
}
