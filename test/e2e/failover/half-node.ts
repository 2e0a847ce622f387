// One firewall of the scenario as an admin makes it: a fresh Debian rootfs (test/helpers/chroot.ts,
// an overlay copy of the cached tree) with HALF's repository added, the debconf answers preseeded
// and `apt-get install half` run. apt downloads in the host's network namespace (the repository
// is on 127.0.0.1, Debian's packages come from the machine's mirror), then installs inside the
// firewall's own namespace, so that postinst's `half configure` reads the firewall's interfaces
// (lan0, wan0, sync0) and writes half.conf, the cluster key, keepalived.conf, the nftables table
// and the sysctls for it. Every later command runs there too: inNode() = ip netns exec + chroot.
import type { DebianRoot, DebianSuite } from '../../helpers/chroot.js';
import { debianRoot } from '../../helpers/chroot.js';
import type { NamespaceSet } from '../../helpers/netns.js';
import { run, type RunOptions, type RunResult } from '../../helpers/tools.js';
import { clientPackages } from '../install/firewall-client.js';
import type { FirewallName } from './harness/addresses.js';
import { renderSelections, type PreseedAnswer } from './half-preseed.js';

/** A repository built by `half-repo build`, served on 127.0.0.1. */
export interface ServedRepository {
  readonly url: string;
  /** Host path of the archive keyring `half-repo build` wrote beside the repository. */
  readonly keyring: string;
}

export interface HalfNode {
  readonly name: FirewallName;
  readonly root: DebianRoot;
  /** What `apt-get install half` printed inside the node (postinst's report included). */
  readonly install: RunResult;
  /** Runs a command of the rootfs inside the node's network namespace. */
  inNode(cmd: readonly string[], options?: RunOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export class HalfInstallError extends Error {
  override readonly name = 'HalfInstallError';
}

function failed(step: string, node: string, r: RunResult): HalfInstallError {
  const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-25).join('\n');
  return new HalfInstallError(`${step} on ${node} failed (exit ${r.exitCode}):\n${tail}`);
}

export interface InstallOptions {
  readonly net: NamespaceSet;
  readonly name: FirewallName;
  readonly suite: DebianSuite;
  readonly repo: ServedRepository;
  readonly preseed: readonly PreseedAnswer[];
}

/** A Debian rootfs with HALF installed by apt from `repo`, configured by the preseeded answers. */
export async function installHalfNode(options: InstallOptions): Promise<HalfNode> {
  const { net, name, suite, repo } = options;
  const architecture = (await run('dpkg', ['--print-architecture'], { check: true })).stdout.trim();
  const root = await debianRoot({ suite, extraPackages: clientPackages(architecture) });
  const inNode = (cmd: readonly string[], runOptions: RunOptions = {}): Promise<RunResult> => net.exec(name, root.argv(cmd), { timeoutMs: 600_000, ...runOptions });
  try {
    await root.aptSourceForRepo({ url: repo.url, suite, component: 'half', keyringPath: repo.keyring, name: 'half' });
    for (const [step, cmd] of [
      ['apt-get update', ['apt-get', 'update']],
      ['downloading half', ['apt-get', '-y', '--download-only', 'install', 'half']],
    ] as const) {
      const r = await root.run(cmd, { timeoutMs: 600_000 });
      if (r.exitCode !== 0) throw failed(step, name, r);
    }
    const seeded = await inNode(['debconf-set-selections'], { input: renderSelections(options.preseed) });
    if (seeded.exitCode !== 0) throw failed('debconf-set-selections', name, seeded);
    const install = await inNode(['apt-get', '-y', 'install', 'half']);
    if (install.exitCode !== 0) throw failed('apt-get install half', name, install);
    return { name, root, install, inNode, cleanup: () => root.cleanup() };
  } catch (error) {
    await root.cleanup();
    throw error;
  }
}
