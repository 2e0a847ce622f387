// A Debian firewall that installs HALF the way an admin does: a fresh Debian 12 or 13 root
// (test/helpers/chroot.ts) with the machine's Debian sources kept, so apt takes nodejs,
// nftables, conntrack … from the mirror, plus HALF's repository served on 127.0.0.1; and a
// network namespace shaped like a firewall (eth0-eth3 on documentation addresses,
// test/daemon/configure/helpers/firewall-ns.ts) in which every maintainer script runs.
//
// apt needs the host's network (127.0.0.1 and the mirror) only to download: `fetch` runs
// `apt-get update` / `apt-get … --download-only` in the host's namespace, then `inNode` runs the
// real `apt-get install …` (from the archives just downloaded) and every other command inside
// the firewall namespace, where whatever the packages read (interfaces) or load (nft, sysctls)
// stays off the host. policy-rc.d (exit 101) keeps services from starting.
import type { DebianRoot, DebianSuite } from '../../helpers/chroot.js';
import { debianRoot } from '../../helpers/chroot.js';
import type { RepoSource } from '../../helpers/chroot-apt.js';
import { run, type RunResult } from '../../helpers/tools.js';
import { firewallNamespace, type FirewallNs } from '../../daemon/configure/helpers/firewall-ns.js';
import type { Preseed } from '../../debian/helpers/answers.js';

/** What an existing firewall already has besides a minimal Debian: apt-utils and netbase
 *  (Priority: important; with apt-utils apt preconfigures debconf questions before unpacking),
 *  ca-certificates (which apt recommends, so apt never autoremoves it once something pulls it
 *  in), and a kernel, so that half-kernel's recommended kernel is satisfied, as on a real
 *  machine, instead of being installed into the test root (with an initramfs) on every run. */
export function clientPackages(architecture: string): string[] {
  return ['apt-utils', 'netbase', 'ca-certificates', `linux-image-${architecture}`];
}

const ENV = {
  DEBIAN_FRONTEND: 'noninteractive',
  LC_ALL: 'C.UTF-8',
  HOME: '/root',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
};

export interface AptRun {
  /** The download step, in the host's namespace (absent for commands that download nothing). */
  readonly fetch?: RunResult;
  /** The command itself, in the firewall namespace. */
  readonly run: RunResult;
}

export interface FirewallClient {
  readonly root: DebianRoot;
  readonly fw: FirewallNs;
  readonly suite: DebianSuite;
  /** Runs a command in the root with the host's network (apt update and downloads only); a
   *  string runs under sh -c. */
  fetch(cmd: readonly string[] | string, timeoutMs?: number): Promise<RunResult>;
  /** Runs a command in the root, inside the firewall namespace; a string runs under sh -c. */
  inNode(cmd: readonly string[] | string, options?: { readonly input?: string; readonly check?: boolean }): Promise<RunResult>;
  /** `apt-get -y ARGS`: downloads with `--download-only` on the host's network, then runs the
   *  real command inside the firewall namespace. */
  apt(args: readonly string[]): Promise<AptRun>;
  /** `debconf-set-selections` for half-syncd's questions. */
  preseed(answers: Preseed): Promise<void>;
  addRepository(source: RepoSource): Promise<void>;
  exists(path: string): Promise<boolean>;
  cleanup(): Promise<void>;
}

export async function firewallClient(suite: DebianSuite, label: string): Promise<FirewallClient> {
  const fw = await firewallNamespace(label);
  let root: DebianRoot;
  try {
    const architecture = (await run('dpkg', ['--print-architecture'], { check: true })).stdout.trim();
    root = await debianRoot({ suite, extraPackages: clientPackages(architecture) });
  } catch (error) {
    await fw.cleanup();
    throw error;
  }
  const inNode: FirewallClient['inNode'] = (cmd, options = {}) => {
    const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : [...cmd];
    return run('ip', ['netns', 'exec', fw.ns, 'chroot', root.dir, ...argv], {
      cleanEnv: true,
      env: ENV,
      timeoutMs: 600_000,
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.check === undefined ? {} : { check: options.check }),
    });
  };
  const fetch: FirewallClient['fetch'] = (cmd, timeoutMs = 600_000) => root.run(cmd, { timeoutMs });
  return {
    root,
    fw,
    suite,
    fetch,
    inNode,
    async apt(args) {
      const downloads = args.some((a) => ['install', 'upgrade', 'dist-upgrade', 'full-upgrade'].includes(a));
      const fetched = downloads ? await fetch(['apt-get', '-y', '--download-only', ...args]) : undefined;
      if (fetched !== undefined && fetched.exitCode !== 0) return { fetch: fetched, run: fetched };
      const ran = await inNode(['apt-get', '-y', ...args]);
      return fetched === undefined ? { run: ran } : { fetch: fetched, run: ran };
    },
    async preseed(answers) {
      const text = answers.map(([q, type, value]) => `half-syncd half-syncd/${q} ${type} ${value}\n`).join('');
      await inNode(['debconf-set-selections'], { input: text, check: true });
    },
    async addRepository(source) {
      await root.aptSourceForRepo(source);
    },
    exists: async (path) => (await root.run(['test', '-e', path])).exitCode === 0,
    async cleanup() {
      try {
        await root.cleanup();
      } finally {
        await fw.cleanup();
      }
    },
  };
}
