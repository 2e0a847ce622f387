// Looking at an installed test node: which units deb-systemd-helper enabled (systemd does not
// run in a chroot, so its symlinks are the record), whether anything runs, which packages are
// installed, and the checksums of the files HALF generated.
import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { processesInsideRoot } from '../../helpers/root-processes.js';
import { run } from '../../helpers/tools.js';
import type { FirewallClient } from './firewall-client.js';

/** `<target>.wants/<unit>` → the link's target, for every link below /etc/systemd/system. */
export async function enabledUnits(node: FirewallClient): Promise<Map<string, string>> {
  const base = await node.root.hostPath('/etc/systemd/system');
  const links = new Map<string, string>();
  for (const dir of await readdir(base).catch(() => [] as string[])) {
    if (!dir.endsWith('.wants')) continue;
    for (const unit of await readdir(join(base, dir))) links.set(`${dir}/${unit}`, await readlink(join(base, dir, unit)));
  }
  return links;
}

/** Pids of processes running inside the node: in its root, or in its network namespace. */
export async function runningInNode(node: FirewallClient): Promise<number[]> {
  const inRoot = await processesInsideRoot(node.root.dir);
  const inNs = (await run('ip', ['netns', 'pids', node.fw.ns], { check: true })).stdout.split('\n').filter((p) => /^\d+$/.test(p)).map(Number);
  return [...new Set([...inRoot, ...inNs])];
}

/** `package → version` of every installed package (dpkg's status `install ok installed`). */
export async function installedPackages(node: FirewallClient): Promise<Map<string, string>> {
  const listed = await node.inNode(['dpkg-query', '-W', '-f', '${Package} ${Version} ${db:Status-Abbrev}\\n'], { check: true });
  const packages = new Map<string, string>();
  for (const line of listed.stdout.split('\n')) {
    const [name, version, status] = line.trim().split(/\s+/);
    if (name !== undefined && version !== undefined && status === 'ii') packages.set(name, version);
  }
  return packages;
}

/** Packages left in dpkg's `config-files` state (removed, not purged). */
export async function configFilesPackages(node: FirewallClient, names: readonly string[]): Promise<string[]> {
  const listed = await node.inNode(['dpkg-query', '-W', '-f', '${Package} ${db:Status-Abbrev}\\n', ...names]);
  return listed.stdout.split('\n').filter((l) => /^\S+ rc\s*$/.test(l)).map((l) => l.split(' ')[0] as string);
}

/** `sha256sum` lines of the given files inside the node. */
export async function checksums(node: FirewallClient, paths: readonly string[]): Promise<string> {
  return (await node.inNode(['sha256sum', ...paths], { check: true })).stdout;
}
