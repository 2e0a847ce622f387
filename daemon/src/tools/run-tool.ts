// Runs an external tool (nft, iptables-restore, conntrack…) without a shell and never rejects:
// whatever happens, including a spawn that fails for want of file descriptors, comes back as a
// result. execa 9 under EMFILE rejects with a TypeError ("subprocess.stdio is not iterable") and
// leaves the child's 'error' event unhandled, an uncaught exception that stops the daemon
// (test/daemon/tools/run-tool.test.ts shows both); node's execFile reports it in its callback.
import { execFile, type ExecFileException } from 'node:child_process';

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
  /** Killed (SIGTERM, then SIGKILL KILL_GRACE_MS later) after this long; default none. */
  readonly timeoutMs?: number;
}

/** How long a tool stopped at its timeout may take to exit before SIGKILL (one that ignores SIGTERM held half doctor 30 s: review). */
const KILL_GRACE_MS = 2000;

/** Each of stdout and stderr keeps this much; beyond it the tool is killed (execFile's maxBuffer). */
const OUTPUT_LIMIT = 64 * 1024 * 1024;

export function runTool(file: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof execFile>;
    let timer: NodeJS.Timeout | undefined;
    let hard: NodeJS.Timeout | undefined;
    try {
      child = execFile(file, [...args], { encoding: 'utf8', maxBuffer: OUTPUT_LIMIT }, (error, stdout, stderr) => {
        clearTimeout(timer);
        clearTimeout(hard);
        if (error === null) return resolve({ code: 0, stdout, stderr });
        resolve({ code: typeof error.code === 'number' ? error.code : null, stdout, stderr, error: failure(file, error, options.timeoutMs) });
      });
    } catch (error) {
      // Arguments execFile refuses before any spawn (a NUL byte in one).
      resolve({ code: null, stdout: '', stderr: '', error: `cannot run ${file}: ${(error as Error).message}` });
      return;
    }
    const timeoutMs = options.timeoutMs ?? 0;
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        child.kill('SIGTERM');
        hard = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      }, timeoutMs);
    }
    // A spawn that failed has no stdin; a tool that exits without reading its input closes it (EPIPE).
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** Why a run did not exit 0, in words (stderr is kept apart). */
function failure(file: string, error: ExecFileException, timeoutMs: number | undefined): string {
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `${file} wrote more than ${OUTPUT_LIMIT} bytes and was stopped`;
  if (typeof error.code === 'string') return `cannot run ${file} (${error.code}${error.code === 'ENOENT' ? ': no such program' : ''})`;
  if (error.killed && timeoutMs !== undefined && timeoutMs > 0) return `${file} did not finish within ${timeoutMs} ms and was stopped`;
  if (typeof error.signal === 'string') return `${file} was killed by ${error.signal}`;
  return error.message.split('\n')[0] ?? error.message; // "Command failed: nft -f -"
}
