// What a benchmark result is worth depends on where and when it ran: CPU model, cores, kernel,
// the load average when the run started (the machine may be shared), Node, and the versions
// of the reference tools it was compared with.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';
import { toolVersion } from './run-tool.js';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly kernel: string;
  readonly loadAverage: readonly number[];
  readonly node: string;
  readonly date: Date;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineInfo(date = new Date()): MachineInfo {
  return { cpu: cpuModel(), cores: availableParallelism(), kernel: release(), loadAverage: loadavg(), node: process.version, date };
}

export interface ToolSpec {
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
}

/** The header every bench script prints first. */
export async function machineHeader(title: string, tools: readonly ToolSpec[]): Promise<string> {
  const m = machineInfo();
  const versions = await Promise.all(tools.map(async (t) => `${t.name}: ${await toolVersion(t.command, t.args)}`));
  return [
    `# ${title}`,
    `date:    ${m.date.toISOString()}`,
    `machine: ${m.cpu}, ${m.cores} cores, kernel ${m.kernel}`,
    `load:    ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')} (1/5/15 min, at start)`,
    `node:    ${m.node}`,
    ...versions.map((v) => `tool:    ${v}`),
  ].join('\n');
}
