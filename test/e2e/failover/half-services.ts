// A HALF firewall's boot, without systemd: what the machine would do at boot for the packages
// `apt-get install half` put in the rootfs, done inside the firewall's network namespace:
//   1. a fresh /run (the tmpfs of a booted machine: no stale sockets, FIFOs or pid files);
//   2. systemd-sysctl: HALF's sysctl.d files (only those: they set per-namespace net.* keys,
//      whereas Debian's other snippets would change the host's kernel);
//   3. half-syncd.service as its unit file says: RuntimeDirectory=/StateDirectory= made, every
//      ExecStartPre= (half-syncd --load-table: the takeover guard's table), then ExecStart=;
//      the unit is ordered Before=keepalived, and here keepalived waits until half-syncd
//      answers on its control socket;
//   4. keepalived.service as its unit file says (EnvironmentFile= read, $DAEMON_ARGS expanded),
//      logging through syslog into the node's /dev/log (half-syslog.ts).
// The unit files are read from the rootfs, so the command lines are the packages' own.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NamespaceSet, NsChild } from '../../helpers/netns.js';
import { run } from '../../helpers/tools.js';
import type { FirewallName } from './harness/addresses.js';
import { stopProcesses, waitUntil } from './harness/processes.js';
import type { HalfNode } from './half-node.js';
import { expandExecLine, parseEnvironmentFile, parseServiceUnit, type ServiceUnit } from './half-unit.js';

export const SYNCD_UNIT = '/lib/systemd/system/half-syncd.service';
export const KEEPALIVED_UNIT = '/lib/systemd/system/keepalived.service';
/** sysctl.d files of HALF's packages: half-kernel's, and the one `half configure` renders. */
export const HALF_SYSCTL_FILES = ['/usr/lib/sysctl.d/50-half-kernel.conf', '/etc/sysctl.d/60-half.conf'] as const;
/** Runtime state a reboot clears (/run is a tmpfs): half-syncd's and keepalived's. */
const RUN_STATE = ['/run/half', '/run/keepalived', '/run/keepalived.pid', '/run/vrrp.pid', '/run/checkers.pid'];

export interface BootOptions {
  readonly net: NamespaceSet;
  readonly node: HalfNode;
  /** Host directory for the node's logs. */
  readonly dir: string;
  /** false: half-syncd stays stopped (the control run: VRRP only). */
  readonly syncd: boolean;
}

export interface BootedServices {
  readonly syncd: NsChild | undefined;
  readonly keepalived: NsChild;
  readonly children: readonly NsChild[];
  /** The command lines started, unit path → argv inside the rootfs (ExecStartPre= included). */
  readonly commands: readonly { readonly unit: string; readonly argv: readonly string[] }[];
}

async function unitCommands(node: HalfNode, path: string): Promise<{ unit: ServiceUnit; env: Record<string, string> }> {
  const unit = parseServiceUnit(await node.root.readFile(path));
  let env: Record<string, string> = {};
  for (const file of unit.environmentFiles) {
    const text = await node.root.readFile(file.path).catch((error: unknown) => {
      if (file.optional) return '';
      throw new Error(`${path}: EnvironmentFile ${file.path} is missing in ${node.name}'s rootfs`, { cause: error });
    });
    env = { ...env, ...parseEnvironmentFile(text) };
  }
  return { unit, env };
}

function spawnLogged(net: NamespaceSet, name: FirewallName, argv: readonly string[], logFile: string): NsChild {
  const child = net.spawn(name, argv);
  const out = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** Runs a unit's ExecStartPre= lines, then spawns its ExecStart= (wrapped: a child is a thenable
 *  that an async function's result would otherwise wait for until the process exits). */
async function startUnit(options: BootOptions, path: string, logFile: string, commands: BootedServices['commands'][number][]): Promise<{ readonly child: NsChild }> {
  const { net, node } = options;
  const { unit, env } = await unitCommands(node, path);
  for (const dir of [...unit.runtimeDirectories, ...unit.stateDirectories]) await node.inNode(['install', '-d', '-m', '0755', dir], { check: true });
  for (const line of unit.execStartPre) {
    const argv = expandExecLine(line, env);
    commands.push({ unit: path, argv });
    const r = await node.inNode(argv);
    if (r.exitCode !== 0 && !line.ignoreFailure) throw new Error(`${path}: ExecStartPre ${line.words.join(' ')} failed in ${node.name}: ${r.stderr.trim()}`);
  }
  const start = unit.execStart[0];
  if (start === undefined) throw new Error(`${path} has no ExecStart=`);
  const argv = expandExecLine(start, env);
  commands.push({ unit: path, argv });
  return { child: spawnLogged(net, node.name, node.root.argv(argv), logFile) };
}

/** Pids of the processes called `comm` in the node's network namespace. */
export async function processesNamed(net: NamespaceSet, name: FirewallName, comm: string): Promise<number[]> {
  const pids = (await run('ip', ['netns', 'pids', net.nsName(name)])).stdout.split('\n').filter((p) => /^\d+$/.test(p));
  const named: number[] = [];
  for (const pid of pids) if ((await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === comm) named.push(Number(pid));
  return named;
}

export async function bootServices(options: BootOptions): Promise<BootedServices> {
  const { node, dir } = options;
  await node.inNode(['rm', '-rf', ...RUN_STATE], { check: true });
  // systemd-sysctl's part, by the host's sysctl(8) (the minimal rootfs has no procps)
  for (const file of HALF_SYSCTL_FILES) await options.net.exec(node.name, ['sysctl', '-q', '-p', await node.root.hostPath(file)], { check: true });
  const children: NsChild[] = [];
  const commands: BootedServices['commands'][number][] = [];
  try {
    let syncd: NsChild | undefined;
    if (options.syncd) {
      syncd = (await startUnit(options, SYNCD_UNIT, join(dir, 'half-syncd.log'), commands)).child;
      children.push(syncd);
      const running = syncd;
      await waitUntil(async () => (await node.inNode(['half', 'status'])).exitCode === 0, 20_000, `half-syncd of ${node.name} to answer \`half status\``, () => running.exitCode !== null);
    }
    const keepalived = (await startUnit(options, KEEPALIVED_UNIT, join(dir, 'keepalived.out'), commands)).child;
    children.push(keepalived);
    // keepalived --dont-fork runs its VRRP process as a child: it is up once it has two processes
    await waitUntil(async () => (await processesNamed(options.net, node.name, 'keepalived')).length >= 2, 20_000, `keepalived of ${node.name} to start its VRRP process`, () => keepalived.exitCode !== null);
    return { syncd, keepalived, children, commands };
  } catch (error) {
    // the caller never learns of what started: stopped here, before its rootfs is cleaned up
    await stopProcesses(children);
    throw error;
  }
}
