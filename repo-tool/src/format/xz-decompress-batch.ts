// xz decompression of many small members with few processes, the reading twin of xz-batch.ts:
// starting `xz` costs more than decompressing a small tar, and an import of N .debs has 2N xz
// members. Members queued in the same tick are piped, one after the other, into one
// `xz --decompress --stdout` (xz reads concatenated streams as one input and writes their
// contents one after the other), and the output is cut at the sizes each member's Index
// declares (xz-index.ts). xz checks every stream against its Index, so a run that ends cleanly
// wrote exactly those sizes; and it may write no more than their sum, so a member that lies
// about its size cannot flood memory. Only members up to BATCH_MEMBER_LIMIT that declare at
// most MEMBER_OUTPUT_LIMIT are taken, so what a batch holds is bounded; the others (large ones,
// bombs, ones xz-index.ts cannot read) are the caller's to stream (compression.ts). Every
// member of a batch xz did not finish cleanly is piped through its own process, which gives
// each its own error, again keeping no more than the member declared.
import { runFilter, type FilterResult } from './filter-process.js';
import { BATCH_MEMBER_LIMIT } from './xz-batch.js';
import { xzUncompressedSize } from './xz-index.js';

const BATCH_MIN_JOBS = 3;
const BATCH_MAX_JOBS = 64;
/** Members declaring more are decompressed alone: their own work outweighs starting xz. */
const MEMBER_OUTPUT_LIMIT = 8 * 1024 * 1024;
/** What one batch may output, declared sizes added up. */
const BATCH_MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * xz may use this much memory to decompress one member (about its dictionary size; dpkg-deb's
 * presets need at most 65 MiB), like zstd's own 128 MiB default: without it, a member made with
 * a 1.5 GiB dictionary would have xz's memory grow to that.
 */
export const XZ_MEMORY_LIMIT = '256MiB';

const PIPE_ARGS = ['--decompress', '--stdout', '--quiet', `--memlimit-decompress=${XZ_MEMORY_LIMIT}`];

interface Job {
  readonly data: Uint8Array;
  readonly size: number;
  readonly maxOutput: number;
  readonly resolve: (result: FilterResult) => void;
}

let pending: Job[] = [];
let pendingOutput = 0;
let flushScheduled = false;

/** Alone, a member may write what it declared: more, and it is damaged (xz would say so at its end). */
function pipeOne(job: Job): void {
  void runFilter('xz', PIPE_ARGS, job.data, Math.min(job.maxOutput, job.size)).then(job.resolve);
}

async function runBatch(jobs: readonly Job[]): Promise<void> {
  if (jobs.length < BATCH_MIN_JOBS) {
    jobs.forEach(pipeOne);
    return;
  }
  const input = new Uint8Array(jobs.reduce((sum, job) => sum + job.data.byteLength, 0));
  let at = 0;
  for (const job of jobs) {
    input.set(job.data, at);
    at += job.data.byteLength;
  }
  const total = jobs.reduce((sum, job) => sum + job.size, 0);
  const result = await runFilter('xz', PIPE_ARGS, input, total);
  if (!result.ok || result.output.byteLength !== total) {
    jobs.forEach(pipeOne);
    return;
  }
  let from = 0;
  for (const job of jobs) {
    job.resolve({ ok: true, output: result.output.subarray(from, from + job.size) });
    from += job.size;
  }
}

function flush(): void {
  flushScheduled = false;
  const jobs = pending;
  pending = [];
  pendingOutput = 0;
  void runBatch(jobs);
}

/** The arguments that make `xz` decompress to stdout, for members read alone. */
export const XZ_DECOMPRESS_ARGS: readonly string[] = PIPE_ARGS;

/**
 * `xz --decompress` of one small member in a batch, keeping at most `maxOutput` bytes; never
 * throws. Undefined when the member is not one to batch: it is too large, declares more than
 * MEMBER_OUTPUT_LIMIT or `maxOutput`, or its Index cannot be read.
 */
export function xzDecompressBatched(data: Uint8Array, maxOutput: number): Promise<FilterResult> | undefined {
  const size = data.byteLength <= BATCH_MEMBER_LIMIT ? xzUncompressedSize(data) : undefined;
  if (size === undefined || size > maxOutput || size > MEMBER_OUTPUT_LIMIT) return undefined;
  return new Promise((resolve) => {
    if (pendingOutput + size > BATCH_MAX_OUTPUT) flush();
    pending.push({ data, size, maxOutput, resolve });
    pendingOutput += size;
    if (pending.length >= BATCH_MAX_JOBS) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(() => {
        if (flushScheduled) flush();
      });
    }
  });
}
