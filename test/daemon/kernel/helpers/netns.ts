// Network namespaces for kernel tests: conntrack state is per namespace, so every test makes its
// own (a unique prefix per test process), runs the real tools inside with `ip netns exec`, and
// removes exactly what it created. Only documentation addresses are used inside.
import { spawnSync } from 'node:child_process';
import { onProcessExit } from '../../../helpers/exit-cleanup.js';
import { run, type RunOptions, type RunResult } from '../../../helpers/tools.js';

let counter = 0;

/** A short unique name: interface and namespace names stay well under IFNAMSIZ. */
export function uniqueName(tag: string): string {
  counter++;
  return `h5k${tag}${process.pid.toString(36)}${counter.toString(36)}`;
}

export class Netns {
  /** A worker that exits without its afterAll hooks still removes what it made. */
  private readonly unregister = onProcessExit(() => this.destroySync());

  private constructor(readonly name: string) {}

  static async create(tag: string): Promise<Netns> {
    const ns = new Netns(uniqueName(tag));
    await run('ip', ['netns', 'add', ns.name], { check: true });
    try {
      await ns.sh('ip link set lo up');
    } catch (error) {
      await ns.destroy();
      throw error;
    }
    return ns;
  }

  exec(cmd: string, args: readonly string[] = [], options: RunOptions = {}): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], options);
  }

  /** Runs a shell command line inside the namespace and fails the test if it fails. */
  sh(script: string, options: RunOptions = {}): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.name, 'sh', '-ec', script], { check: true, ...options });
  }

  /** Kills whatever still runs inside (by pid, from `ip netns pids`), then deletes the namespace. */
  async destroy(): Promise<void> {
    this.unregister();
    this.destroySync();
  }

  private destroySync(): void {
    for (const pid of (spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' }).stdout ?? '').split('\n')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
  }
}

/** Links two namespaces with a veth pair named `a` (in `left`) and `b` (in `right`). */
export async function link(left: Netns, a: string, right: Netns, b: string): Promise<void> {
  await run('ip', ['-n', left.name, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', right.name], { check: true });
  await run('ip', ['-n', left.name, 'link', 'set', a, 'up'], { check: true });
  await run('ip', ['-n', right.name, 'link', 'set', b, 'up'], { check: true });
}
