// Network namespaces for daemon and failover tests: each test file builds its own topology from
// namespaces it names (prefixed uniquely by pid and a random tag), veth pairs, bridges and
// documentation-range addresses only, and tears down exactly what it made. Packets can only
// travel between namespaces of the set: the host's own network is never attached.
//
//   const net = createNamespaces('failover');
//   afterAll(() => net.cleanup());                 // also runs if a test failed; afterEach for
//                                                  // per-test topologies
//   await net.addNs('fw1'); await net.addNs('fw2');
//   await net.veth('fw1', 'sync0', 'fw2', 'sync0');
//   await net.addr('fw1', 'sync0', '203.0.113.1/30'); await net.addr('fw2', 'sync0', '203.0.113.2/30');
//   const ping = await net.exec('fw1', ['ping', '-c1', '203.0.113.2']);
//   const daemon = net.spawn('fw2', ['half-syncd', '--config', conf]);   // daemon.pid
//
// cleanup() stops every process it spawned (SIGTERM, then SIGKILL), kills whatever else still
// runs inside its namespaces (by pid, from `ip netns pids`), deletes its namespaces and nothing
// else; idempotent. A process exiting without cleanup() does the same on 'exit'. Needs root.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';
import { assertDocumentationCidr, NetworkSafetyError } from './doc-addresses.js';
import { onProcessExit } from './exit-cleanup.js';
import { run, type RunOptions, type RunResult } from './tools.js';

export interface NsSpawnOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** 'pipe' (default) keeps output readable on the child's streams and in its result. */
  readonly stdio?: 'pipe' | 'ignore' | 'inherit';
}

type Stdio = 'pipe' | 'ignore' | 'inherit';
interface NsExecaOptions {
  readonly reject: false;
  readonly stdin: 'ignore';
  readonly stdout: Stdio;
  readonly stderr: Stdio;
  readonly env?: Readonly<Record<string, string>>;
}
/** execa's child: `.pid`, `.kill()`, `.stdout`; awaiting it gives the result (never rejects). */
export type NsChild = ResultPromise<NsExecaOptions>;

export interface NamespaceSet {
  /** Common prefix of every namespace of this set, e.g. `half-failover-k3x9a1f0`. */
  readonly prefix: string;
  /** Creates namespace `name` (loopback up); returns its system-wide name for `ip netns`. */
  addNs(name: string): Promise<string>;
  /** System-wide name of one of this set's namespaces. */
  nsName(name: string): string;
  veth(nsA: string, ifA: string, nsB: string, ifB: string): Promise<void>;
  bridge(ns: string, name: string, ports: readonly string[]): Promise<void>;
  /** Adds a documentation-range address (else NetworkSafetyError) and brings the link up. */
  addr(ns: string, ifname: string, cidr: string): Promise<void>;
  /** `destination` is 'default' or a documentation-range prefix; `via` a documentation address. */
  route(ns: string, destination: string, via: string): Promise<void>;
  setLink(ns: string, ifname: string, state: 'up' | 'down'): Promise<void>;
  exec(ns: string, cmd: readonly string[], options?: RunOptions): Promise<RunResult>;
  spawn(ns: string, cmd: readonly string[], options?: NsSpawnOptions): NsChild;
  cleanup(): Promise<void>;
}

const NAME = /^[A-Za-z0-9_-]{1,24}$/;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

let sweptLeftovers = false;

/**
 * Namespaces a test process of ours left when it was SIGKILLed (its exit hook never ran): named
 * `half-<tag>-<pid in base 36><4 hex>-<name>` by createNamespaces, whose pid is gone, with
 * nothing running inside, made more than `olderThanMs` ago (an hour: no test runs that long, and
 * a pid of another pid namespace sharing /run/netns looks gone from here). Removed once per
 * process, before it makes its own; any other namespace is left alone.
 */
export function sweepLeftovers(olderThanMs = 3_600_000): string[] {
  const removed: string[] = [];
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of listed.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = /^half-[a-z0-9]{1,12}-([0-9a-z]+)[0-9a-f]{4}-[A-Za-z0-9_-]{1,24}$/.exec(name);
    if (match === null || processExists(Number.parseInt(match[1] as string, 36))) continue;
    const made = statSync(`/run/netns/${name}`, { throwIfNoEntry: false })?.mtimeMs;
    if (made === undefined || Date.now() - made < olderThanMs) continue;
    if ((spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '').trim() !== '') continue;
    if (spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' }).status === 0) removed.push(name);
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createNamespaces(label = 'test'): NamespaceSet {
  if (!sweptLeftovers) {
    sweptLeftovers = true;
    const removed = sweepLeftovers();
    if (removed.length > 0) process.stderr.write(`netns: removed namespaces left by test processes that are gone: ${removed.join(' ')}\n`);
  }
  const tag = label.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12) || 'test';
  const prefix = `half-${tag}-${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const created: string[] = [];
  const children = new Set<NsChild>();
  const unregister = onProcessExit(() => cleanupSync(created, children));
  let cleaning: Promise<void> | undefined;

  const nsName = (name: string): string => {
    const full = `${prefix}-${name}`;
    if (!created.includes(full)) throw new Error(`namespace "${name}" was not created by this set (${prefix}); call addNs("${name}") first`);
    return full;
  };
  const ifname = (name: string): string => {
    if (!IFNAME.test(name)) throw new Error(`interface name "${name}" must be 1-15 characters of [A-Za-z0-9_.-]`);
    return name;
  };
  const ip = async (ns: string, args: readonly string[]): Promise<void> => {
    await run('ip', ['-n', nsName(ns), ...args], { check: true });
  };

  const set: NamespaceSet = {
    prefix,
    nsName,
    async addNs(name) {
      if (!NAME.test(name)) throw new Error(`namespace name "${name}" must be 1-24 characters of [A-Za-z0-9_-]`);
      const full = `${prefix}-${name}`;
      if (created.includes(full)) throw new Error(`namespace "${name}" already exists in ${prefix}`);
      await run('ip', ['netns', 'add', full], { check: true });
      created.push(full);
      await ip(name, ['link', 'set', 'lo', 'up']);
      return full;
    },
    async veth(nsA, ifA, nsB, ifB) {
      await ip(nsA, ['link', 'add', ifname(ifA), 'type', 'veth', 'peer', 'name', ifname(ifB), 'netns', nsName(nsB)]);
      await ip(nsA, ['link', 'set', ifA, 'up']);
      await ip(nsB, ['link', 'set', ifB, 'up']);
    },
    async bridge(ns, name, ports) {
      await ip(ns, ['link', 'add', ifname(name), 'type', 'bridge']);
      for (const port of ports) await ip(ns, ['link', 'set', ifname(port), 'master', name, 'up']);
      await ip(ns, ['link', 'set', name, 'up']);
    },
    async addr(ns, dev, cidr) {
      const parsed = assertDocumentationCidr(cidr);
      const withPrefix = cidr.includes('/') ? cidr : `${cidr}/${parsed.family === 4 ? 32 : 128}`;
      await ip(ns, ['addr', 'add', withPrefix, 'dev', ifname(dev), ...(parsed.family === 6 ? ['nodad'] : [])]);
      await ip(ns, ['link', 'set', dev, 'up']);
    },
    async route(ns, destination, via) {
      const gateway = assertDocumentationCidr(via);
      if (via.includes('/')) throw new NetworkSafetyError(`route via "${via}": give the gateway address without a prefix`);
      const family = destination === 'default' ? gateway.family : assertDocumentationCidr(destination).family;
      if (family !== gateway.family) throw new Error(`route ${destination} via ${via}: address families differ`);
      await ip(ns, [`-${family}`, 'route', 'add', destination, 'via', via]);
    },
    setLink: (ns, dev, state) => ip(ns, ['link', 'set', ifname(dev), state]),
    exec: (ns, cmd, options) => run('ip', ['netns', 'exec', nsName(ns), ...cmd], options),
    spawn(ns, cmd, options = {}) {
      const execaOptions: NsExecaOptions = {
        reject: false,
        stdin: 'ignore',
        stdout: options.stdio ?? 'pipe',
        stderr: options.stdio ?? 'pipe',
        ...(options.env === undefined ? {} : { env: options.env }),
      };
      const child = execa('ip', ['netns', 'exec', nsName(ns), ...cmd], execaOptions);
      children.add(child);
      return child;
    },
    cleanup: () =>
      (cleaning ??= (async () => {
        await stopChildren(children);
        const failures: string[] = [];
        for (const full of [...created].reverse()) {
          await killInside(full);
          const del = await run('ip', ['netns', 'delete', full]);
          if (del.exitCode === 0) created.splice(created.indexOf(full), 1);
          else failures.push(`${full}: ${del.stderr.trim()}`);
        }
        unregister();
        if (failures.length > 0) throw new Error(`could not delete namespaces: ${failures.join('; ')}`);
      })()),
  };
  return set;
}

/** SIGTERM, then SIGKILL after 3 s. Waits for the processes to exit, not for their output
 *  streams: a grandchild may hold those open until killInside() takes it. */
async function stopChildren(children: ReadonlySet<NsChild>): Promise<void> {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    running.map(async (child) => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 3000)));
      if ((await Promise.race([exited, late])) === 'late') {
        child.kill('SIGKILL');
        await exited;
      }
      clearTimeout(timer);
    }),
  );
}

async function killInside(full: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const pids = (await run('ip', ['netns', 'pids', full])).stdout.split('\n').filter((p) => /^\d+$/.test(p));
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function cleanupSync(created: readonly string[], children: ReadonlySet<NsChild>): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const full of [...created].reverse()) {
    const pids = spawnSync('ip', ['netns', 'pids', full], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split('\n').filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('ip', ['netns', 'delete', full], { stdio: 'ignore' });
  }
}
