// xz compression of many small members with few processes. Starting `xz` costs more than
// compressing a small tar (~3 ms against ~0.5 ms), so members queued in the same tick that share
// an LZMA2 dictionary size are written to a private temporary folder and compressed by one
// `xz` run (each file is still its own .xz stream: the bytes are exactly those of compressing it
// alone, which xz-batch.test.ts checks). Large members, and the one or two members of a
// package built on its own, stream through stdin instead.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HalfRepoError, ToolError } from '../model/errors.js';
import { runFilter, runToolInSlot, withProcessSlot, type FilterFailure } from './filter-process.js';

/** Members above this size are piped to their own xz process. */
export const BATCH_MEMBER_LIMIT = 1 << 20;
/** Up to this many queued members, each gets its own piped process (no temporary files). */
const BATCH_MIN_JOBS = 3;
const BATCH_MAX_JOBS = 64;

interface Job {
  readonly data: Uint8Array;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

const pending = new Map<string, Job[]>();
let flushScheduled = false;

function xzError(failure: FilterFailure): ToolError {
  return new ToolError(`xz compression failed: ${failure.message}`, {
    hint: failure.kind === 'missing' ? 'install it: apt-get install xz-utils' : 'check that xz-utils works (xz --version)',
  });
}

async function pipeOne(data: Uint8Array, args: readonly string[]): Promise<Uint8Array> {
  const result = await runFilter('xz', ['--stdout', ...args], data);
  if (!result.ok) throw xzError(result.failure);
  return result.output;
}

async function runBatch(args: readonly string[], jobs: readonly Job[]): Promise<void> {
  if (jobs.length < BATCH_MIN_JOBS) {
    for (const job of jobs) pipeOne(job.data, args).then(job.resolve, job.reject);
    return;
  }
  try {
    const outputs = await withProcessSlot(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'half-xz-'));
      try {
        const names = jobs.map((_, i) => `m${i}`);
        await Promise.all(jobs.map((job, i) => writeFile(join(dir, names[i] as string), job.data)));
        const result = await runToolInSlot('xz', [...args, '--', ...names], dir);
        if (!result.ok) throw xzError(result.failure);
        return await Promise.all(names.map(async (name) => new Uint8Array(await readFile(join(dir, `${name}.xz`)))));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
    jobs.forEach((job, i) => job.resolve(outputs[i] as Uint8Array));
  } catch (error) {
    const failure =
      error instanceof HalfRepoError
        ? error
        : new ToolError(`xz compression in a temporary folder under ${tmpdir()} failed: ${(error as Error).message}`, { hint: 'set TMPDIR to a writable folder with free space', cause: error });
    for (const job of jobs) job.reject(failure);
  }
}

function flush(): void {
  flushScheduled = false;
  for (const [key, jobs] of pending) {
    pending.delete(key);
    void runBatch(JSON.parse(key) as string[], jobs);
  }
}

/** Compresses with `xz <args>` (args select the format; no file names, no --stdout). */
export async function xzCompress(data: Uint8Array, args: readonly string[]): Promise<Uint8Array> {
  if (data.byteLength > BATCH_MEMBER_LIMIT) return pipeOne(data, args);
  return new Promise((resolve, reject) => {
    const key = JSON.stringify(args);
    const jobs = pending.get(key) ?? [];
    pending.set(key, jobs);
    jobs.push({ data, resolve, reject });
    if (jobs.length >= BATCH_MAX_JOBS) {
      pending.delete(key);
      void runBatch(args, jobs);
    } else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
}
