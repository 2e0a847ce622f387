// Wall and CPU time of one measured step. CPU counts this process (all its threads: zlib runs
// on the thread pool) and every child it has waited for (the reference tools, xz, gzip), read
// from /proc/self/stat (cutime + cstime, clock ticks of 10 ms): daemons a step starts without
// waiting for them (gpg-agent) are not counted.
import { readFileSync } from 'node:fs';

export interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  return (cutime + cstime) * TICK_MS;
}

function cpuNowMs(): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000 + childrenCpuMs();
}

/** Runs `step` once and measures it. */
export async function measure(step: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = cpuNowMs();
  const t0 = process.hrtime.bigint();
  await step();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { wallMs, cpuMs: cpuNowMs() - cpu0 };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
