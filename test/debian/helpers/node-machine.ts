// A firewall node for the maintainer-script tests: a fresh Debian root (node-rootfs.ts) whose
// commands run inside a network namespace shaped like a firewall (eth0-eth3 with documentation
// addresses, test/daemon/configure/helpers/firewall-ns.ts). The packages' scripts thus see a
// machine with real interfaces, and whatever they load into the kernel (sysctls, nftables)
// lands in that namespace, never on the host. policy-rc.d keeps services from starting.
import type { DebArtifact } from '../../../repo-tool/src/model/artifact.js';
import type { DebianRoot, DebianSuite } from '../../helpers/chroot.js';
import { run, type RunResult } from '../../helpers/tools.js';
import { firewallNamespace, type FirewallNs } from '../../daemon/configure/helpers/firewall-ns.js';
import { nodeRootfs } from './node-rootfs.js';

const ENV = {
  DEBIAN_FRONTEND: 'noninteractive',
  LC_ALL: 'C.UTF-8',
  HOME: '/root',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
};

export interface NodeRunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly input?: string;
  readonly check?: boolean;
}

export interface NodeMachine {
  readonly root: DebianRoot;
  readonly fw: FirewallNs;
  /** Runs a command in the root, in the node's namespace; a string runs under sh -c. */
  run(cmd: readonly string[] | string, options?: NodeRunOptions): Promise<RunResult>;
  /** Copies .debs into /root/debs/ and returns their paths inside the root. */
  put(...debs: DebArtifact[]): Promise<string[]>;
  /** Answers for debconf-set-selections: [question, type, value] of half-syncd. */
  preseed(answers: readonly (readonly [string, string, string])[]): Promise<void>;
  exists(path: string): Promise<boolean>;
  cleanup(): Promise<void>;
}

export async function nodeMachine(suite: DebianSuite, label: string, syncAddress?: string): Promise<NodeMachine> {
  const fw = await firewallNamespace(label, syncAddress);
  let root: DebianRoot;
  try {
    root = await nodeRootfs(suite);
  } catch (error) {
    await fw.cleanup();
    throw error;
  }
  const machine: NodeMachine = {
    root,
    fw,
    run(cmd, options = {}) {
      const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : [...cmd];
      return run('ip', ['netns', 'exec', fw.ns, 'chroot', root.dir, ...argv], {
        cleanEnv: true,
        env: { ...ENV, ...options.env },
        timeoutMs: 300_000,
        ...(options.input === undefined ? {} : { input: options.input }),
        ...(options.check === undefined ? {} : { check: options.check }),
      });
    },
    async put(...debs) {
      const paths: string[] = [];
      for (const deb of debs) {
        const path = `/root/debs/${deb.fileName}`;
        await root.writeFile(path, deb.bytes);
        paths.push(path);
      }
      return paths;
    },
    async preseed(answers) {
      const text = answers.map(([q, type, value]) => `half-syncd half-syncd/${q} ${type} ${value}\n`).join('');
      await machine.run(['debconf-set-selections'], { input: text, check: true });
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
  return machine;
}
