// Running the real Debian tools from tests.
//
//   requireTool('sqv');                       // throws, naming the Debian package, when missing
//   const r = await run('dpkg-deb', ['--info', deb]);        // never throws on a non-zero exit
//   expect(r.exitCode, r.stderr).toBe(0);
//   await run('gpg', ['--batch', …], { check: true });      // throws CommandFailedError instead
//
// A missing tool FAILS the test (never a silent skip): scripts/ensure-test-tools.sh installs
// every tool listed in TOOL_PACKAGES, and `npm test` runs it first.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';

/** The Debian package that ships each tool the tests run (keep in step with ensure-test-tools.sh). */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  'apt-ftparchive': 'apt-utils', 'apt-get': 'apt', chroot: 'coreutils', conntrack: 'conntrack',
  conntrackd: 'conntrackd', curl: 'curl', 'debsig-verify': 'debsig-verify', dpkg: 'dpkg',
  'dpkg-deb': 'dpkg', 'dpkg-source': 'dpkg-dev', flock: 'util-linux', gpg: 'gnupg',
  gpgconf: 'gnupg', gpgv: 'gpgv', ip: 'iproute2', iptables: 'iptables', keepalived: 'keepalived',
  lintian: 'lintian', mmdebstrap: 'mmdebstrap', mount: 'mount', nft: 'nftables',
  ping: 'iputils-ping', python3: 'python3', reprepro: 'reprepro', sqv: 'sqv', tar: 'tar',
  tc: 'iproute2', umount: 'mount', unshare: 'util-linux', xz: 'xz-utils', zstd: 'zstd',
  sysctl: 'procps', ar: 'binutils', tcpdump: 'tcpdump', mkfifo: 'coreutils', stat: 'coreutils', socat: 'socat', dh: 'debhelper', time: 'time', setpriv: 'util-linux', piuparts: 'piuparts', file: 'file',
};

const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export class ToolMissingError extends Error {
  override readonly name = 'ToolMissingError';
}

export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(message: string, readonly result: RunResult) {
    super(message);
  }
}

/** Absolute path of `name`, or a ToolMissingError naming the Debian package that ships it. */
export function requireTool(name: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...SYSTEM_PATH].filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  const pkg = TOOL_PACKAGES[name];
  throw new ToolMissingError(
    pkg === undefined
      ? `the test needs "${name}", which is not installed; install the Debian package that ships it and add it to scripts/ensure-test-tools.sh`
      : `the test needs "${name}", which is not installed: apt-get install -y ${pkg} (or run sh scripts/ensure-test-tools.sh as root)`,
  );
}

export interface RunOptions {
  readonly cwd?: string;
  /** Added to the inherited environment (or replacing it with `cleanEnv`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Start from an empty environment (plus PATH) instead of inheriting the test's. */
  readonly cleanEnv?: boolean;
  readonly input?: string | Uint8Array;
  /** Kill the command (SIGKILL) after this many milliseconds; the result has exitCode -1. */
  readonly timeoutMs?: number;
  /** Throw CommandFailedError (command, exit code, stderr) unless the exit code is 0. */
  readonly check?: boolean;
}

export interface RunResult {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  /** The exit status, or -1 when killed by a signal or the timeout. */
  readonly exitCode: number;
  readonly signal: string | undefined;
}

export async function run(cmd: string, args: readonly string[] = [], options: RunOptions = {}): Promise<RunResult> {
  const env = options.cleanEnv === true ? { PATH: SYSTEM_PATH.join(delimiter), ...options.env } : options.env;
  const child = await execa(cmd, [...args], {
    reject: false,
    stripFinalNewline: false,
    extendEnv: options.cleanEnv !== true,
    ...(env === undefined ? {} : { env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const }),
  });
  const command = [cmd, ...args].join(' ');
  if (child.failed && child.exitCode === undefined && child.signal === undefined && !child.timedOut) {
    const pkg = TOOL_PACKAGES[cmd.split('/').pop() ?? cmd];
    throw new ToolMissingError(`cannot run "${command}": ${child.originalMessage ?? child.message}` + (pkg === undefined ? '' : ` (Debian package ${pkg})`));
  }
  const result: RunResult = {
    command,
    stdout: String(child.stdout ?? ''),
    stderr: String(child.stderr ?? ''),
    exitCode: child.exitCode ?? -1,
    signal: child.signal ?? undefined,
  };
  if (options.check === true && result.exitCode !== 0) {
    const how = result.signal === undefined ? `exit code ${result.exitCode}` : `signal ${result.signal}`;
    throw new CommandFailedError(`"${command}" failed (${how}): ${tail(result.stderr || result.stdout)}`, result);
  }
  return result;
}

function tail(text: string, lines = 20): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}
