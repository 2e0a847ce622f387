// The host's tools a build runs itself (mmdebstrap for the backport's build image, xz for the
// indexes): installed with apt-get, from the machine's own apt configuration, when one is
// missing and half-repo runs as root — as `npm test` installs what the tests need — so that
// `npx half-repo build` on a fresh Debian machine needs nothing else. As another user it stops
// and names the package.
import { ToolError } from '../model/errors.js';
import type { ProgressSink } from './backport-plan.js';
import { SYSTEM_PATH, tryStep } from './run-step.js';

export interface HostTool {
  readonly command: string;
  readonly pkg: string;
  /** What it is needed for, in the progress line. */
  readonly why: string;
}

export interface HostToolDeps {
  readonly has: (command: string) => Promise<boolean>;
  readonly isRoot: () => boolean;
  /** Runs apt-get with these arguments; resolves with its exit code and output. */
  readonly aptGet: (args: readonly string[]) => Promise<{ readonly exitCode: number; readonly output: string }>;
}

const env = { PATH: SYSTEM_PATH, LC_ALL: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' };

const systemDeps: HostToolDeps = {
  has: async (command) => (await tryStep('sh', ['-c', `command -v ${command}`], { step: `look for ${command}`, env })).exitCode === 0,
  isRoot: () => process.getuid?.() === 0,
  aptGet: (args) => tryStep('apt-get', args, { step: 'install a host tool', env }),
};

export async function ensureHostTools(tools: readonly HostTool[], progress: ProgressSink, deps: HostToolDeps = systemDeps): Promise<void> {
  const missing: HostTool[] = [];
  for (const tool of tools) if (!(await deps.has(tool.command))) missing.push(tool);
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((t) => t.pkg))];
  const what = missing.map((t) => `${t.command} (${t.why})`).join(', ');
  if (!deps.isRoot()) {
    throw new ToolError(`${what} not installed`, { hint: `install ${pkgs.length === 1 ? 'it' : 'them'}: apt-get install ${pkgs.join(' ')} (as root half-repo does it itself)` });
  }
  progress.info(`installing ${pkgs.join(' ')} with apt-get: ${what}`);
  const install = ['install', '-y', '--no-install-recommends', ...pkgs];
  let result = await deps.aptGet(install);
  if (result.exitCode !== 0) {
    // a fresh machine may have no package lists yet
    await deps.aptGet(['update']);
    result = await deps.aptGet(install);
  }
  if (result.exitCode !== 0) {
    throw new ToolError(`apt-get install ${pkgs.join(' ')} failed (exit ${result.exitCode}): ${result.output.trim().split('\n').slice(-3).join(' | ')}`, {
      hint: `install ${pkgs.join(' ')} by hand; apt-get uses this machine's own sources`,
    });
  }
}

export const MMDEBSTRAP: HostTool = { command: 'mmdebstrap', pkg: 'mmdebstrap', why: 'makes the backport\'s clean build image' };
export const XZ: HostTool = { command: 'xz', pkg: 'xz-utils', why: 'compresses the indexes' };
