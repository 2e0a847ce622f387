// Runs the real `half-repo` CLI (repo-tool/bin/half-repo.js, as `npx half-repo` does) in a child
// process with an isolated development-key home, so tests never touch the user's own key.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from './tools.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HALF_REPO_BIN = join(PROJECT_ROOT, 'repo-tool', 'bin', 'half-repo.js');

/** A temporary XDG_DATA_HOME (where the development key is made) for one test file. */
export async function isolatedKeyHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'half-keys-'));
}

export function halfRepo(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return run(process.execPath, [HALF_REPO_BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { SOURCE_DATE_EPOCH: '1764115200', ...options.env },
    timeoutMs: options.timeoutMs ?? 600_000,
  });
}
