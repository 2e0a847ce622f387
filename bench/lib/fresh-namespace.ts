// Runs a bench script again inside a network namespace of its own (conntrack state is per
// namespace, and a Node process cannot enter one): `ip netns add`, the script with `--inside`
// and its arguments under `ip netns exec`, `ip netns del`, also when the run fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs `scriptUrl` (import.meta.url) with `--inside` in namespace `prefix` + pid; sets the exit code. */
export function runInFreshNamespace(prefix: string, scriptUrl: string, args: readonly string[]): void {
  const ns = `${prefix}${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', fileURLToPath(scriptUrl), '--inside', ...args], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}
