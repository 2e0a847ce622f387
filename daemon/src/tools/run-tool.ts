// Runs an external tool (nft, iptables-restore, conntrack…) without a shell and never rejects:
// whatever happens, including a spawn that fails for want of file descriptors, comes back as a
// result. execa 9 under EMFILE rejects with a TypeError ("subprocess.stdio is not iterable") and
// leaves the child's 'error' event unhandled, an uncaught exception that stops the daemon
// (test/daemon/tools/run-tool.test.ts shows both); node's execFile reports it in its callback.
import { execFile } from 'node:child_process';

export interface ToolRun {
  /** Exit status; null when the tool did not run or was killed by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why it did not exit 0, for when stderr does not say: `cannot run nft (ENOENT: no such program)`, a signal. */
  readonly error?: string;
}

export interface RunToolOptions {
  /** Written to its standard input (default: an empty, closed input). */
  readonly input?: string;
  /** Killed (SIGTERM) after this long; default none. */
  readonly timeoutMs?: number;
}

/** Each of stdout and stderr keeps this much; beyond it the tool is killed (execFile's maxBuffer). */
const OUTPUT_LIMIT = 64 * 1024 * 1024;

export function runTool(file: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    const child = execFile(file, [...args], { encoding: 'utf8', maxBuffer: OUTPUT_LIMIT, timeout: options.timeoutMs ?? 0 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ code: 0, stdout, stderr });
      const code = typeof error.code === 'number' ? error.code : null;
      const why =
        typeof error.code === 'string'
          ? `cannot run ${file} (${error.code}${error.code === 'ENOENT' ? ': no such program' : ''})`
          : typeof error.signal === 'string'
            ? `${file} was killed by ${error.signal}`
            : (error.message.split('\n')[0] ?? error.message); // "Command failed: nft -f -" (stderr kept apart)
      resolve({ code, stdout, stderr, error: why });
    });
    // A spawn that failed has no stdin; a tool that exits without reading its input closes it (EPIPE).
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}
