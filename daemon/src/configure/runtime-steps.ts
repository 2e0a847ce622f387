// After `half configure` wrote files: what must happen on the running system for them to take
// effect (load the sysctls, restart half-syncd so it reloads half.conf and its nftables table,
// reload keepalived). planRuntimeSteps is pure; runRuntimeSteps executes them, and only on a
// real system: never inside a chroot (ischroot(1)), whose network and services are the host's.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { NODE_FILES, type NodePaths } from './node-paths.js';

const exec = promisify(execFile);

export interface RuntimeStep {
  readonly command: readonly string[];
  readonly why: string;
}

/** `changed` are paths below `paths.root` (ConfigureReport.changed); `configChanged`: half.conf or the key. */
export function planRuntimeSteps(changed: readonly string[], paths: NodePaths, configChanged: boolean): RuntimeStep[] {
  const has = (nodePath: string): boolean => changed.includes(paths.at(nodePath));
  const steps: RuntimeStep[] = [];
  if (has(NODE_FILES.sysctlConf)) steps.push({ command: ['sysctl', '-q', '--system'], why: 'load the sysctls HALF needs now, every sysctl.d file in order as at boot (a later file of yours still wins)' });
  if (configChanged || has(NODE_FILES.nftRules)) steps.push({ command: ['systemctl', 'restart', 'half-syncd.service'], why: 'half-syncd reads half.conf and loads table inet half when it starts' });
  if (has(NODE_FILES.keepalivedConf)) steps.push({ command: ['systemctl', 'reload-or-restart', 'keepalived.service'], why: 'keepalived rereads keepalived.conf on reload' });
  return steps;
}

export function formatSteps(steps: readonly RuntimeStep[]): string {
  if (steps.length === 0) return '';
  return ['To apply the new files, run (or use `half configure --apply`):', ...steps.map((s) => `  ${s.command.join(' ')}    # ${s.why}`)].join('\n') + '\n';
}

/** Whether this process runs in a chroot: ischroot(1) exits 0 in one, 1 outside, 2 when it cannot tell (taken as a chroot: nothing is applied). */
export async function inChroot(): Promise<boolean> {
  try {
    await exec('ischroot');
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 2;
  }
}

/** Whether configuring below `paths.root` configures the running system: the root is / and this is no chroot. */
export async function onRunningNode(paths: NodePaths): Promise<boolean> {
  return paths.root === '/' && !(await inChroot());
}

/** Runs the steps in order; systemctl steps only when systemd runs. Returns what failed. */
export async function runRuntimeSteps(steps: readonly RuntimeStep[]): Promise<string[]> {
  const systemd = await access('/run/systemd/system').then(() => true, () => false);
  const failures: string[] = [];
  for (const step of steps) {
    const [file, ...args] = step.command;
    if (file === undefined || (file === 'systemctl' && !systemd)) continue;
    try {
      await exec(file, args);
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      failures.push(`${step.command.join(' ')}: ${e.stderr?.trim() || e.message}`);
    }
  }
  return failures;
}
