// Runs the external tools of a backport (apt-get, mmdebstrap, unshare, chroot, dpkg-buildpackage)
// as named steps. A failure becomes a ToolError that names the step, the command line and the
// tail of its output, and points at the full log when one is kept. Model: execa (errors that
// keep their cause and output).
import { appendFile } from 'node:fs/promises';
import { execa } from 'execa';
import { ToolError } from '../model/errors.js';
import { tail } from './source-listing.js';

export interface StepOptions {
  /** Short name of the step, e.g. "build" or "fetch source". */
  readonly step: string;
  readonly cwd?: string;
  /** Replaces the environment entirely (plus nothing): pass PATH yourself. */
  readonly env?: Readonly<Record<string, string>>;
  /** Appends the command line and its whole output here. */
  readonly logFile?: string;
  /** What to do about a failure, shown after the message. */
  readonly hint?: string;
  readonly timeoutMs?: number;
  /** The command line to show in messages and the log, when the real one is a wrapper. */
  readonly display?: string;
}

export interface StepResult {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as they came. */
  readonly output: string;
  readonly exitCode: number;
}

/** Debian's package for each tool we run, for "is not installed" messages. */
const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  'apt-get': 'apt', chroot: 'coreutils', dpkg: 'dpkg', flock: 'util-linux', mmdebstrap: 'mmdebstrap', setpriv: 'util-linux', tar: 'tar', unshare: 'util-linux',
};

export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs the command; never throws for a non-zero exit (only when it cannot start). */
export async function tryStep(command: string, args: readonly string[], options: StepOptions): Promise<StepResult> {
  const line = options.display ?? [command, ...args].join(' ');
  const child = await execa(command, [...args], {
    reject: false,
    all: true,
    stdin: 'ignore',
    stripFinalNewline: false,
    extendEnv: options.env === undefined,
    ...(options.env === undefined ? {} : { env: { ...options.env } }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const }),
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.failed && child.exitCode === undefined && child.signal === undefined && !child.timedOut) {
    const pkg = TOOL_PACKAGES[command];
    throw new ToolError(`backport step "${options.step}": cannot run "${line}": ${child.originalMessage ?? child.message}`, {
      hint: pkg === undefined ? 'install the tool' : `install it: apt-get install ${pkg}`,
      cause: child,
    });
  }
  const output = String(child.all ?? '');
  if (options.logFile !== undefined) await appendFile(options.logFile, `$ ${line}\n${output}${output.endsWith('\n') ? '' : '\n'}`);
  return {
    command: line,
    stdout: String(child.stdout ?? ''),
    stderr: String(child.stderr ?? ''),
    output,
    exitCode: child.exitCode ?? -1,
  };
}

/** Runs the command; throws a ToolError unless it exits with 0. */
export async function runStep(command: string, args: readonly string[], options: StepOptions): Promise<StepResult> {
  const result = await tryStep(command, args, options);
  if (result.exitCode !== 0) throw stepFailed(result, options);
  return result;
}

export function stepFailed(result: StepResult, options: StepOptions): ToolError {
  const status = result.exitCode === -1 ? 'was killed' : `exited with ${result.exitCode}`;
  const log = options.logFile === undefined ? '' : ` (whole log: ${options.logFile})`;
  return new ToolError(`backport step "${options.step}" failed: "${result.command}" ${status}${log}:\n${tail(result.output)}`, {
    ...(options.hint === undefined ? {} : { hint: options.hint }),
  });
}
