// The process edge's stdout and stderr as a CliIo. A reader that goes away before the output is
// written (`half doctor | head -1`, `half --help | false`) makes a write fail with EPIPE (Node
// ignores SIGPIPE), which Node raises as an 'error' event: unhandled, that is a stack trace and
// exit 1. Leaving is the reader's choice, not a failure of the command: the stream is written no
// more, quietly, and the command's own exit status stands (as for C tools killed by SIGPIPE,
// the shell's pipefail decides whether that matters).
import type { Writable } from 'node:stream';
import type { CliIo } from './command.js';

// Any other write error (ENOSPC: `half doctor --json > file` on a full disk, EIO) is the
// command's failure: said once on `report` (stderr, for stdout's errors) and exit status 7 (a
// file could not be written), not a stack trace (review).
import { CliExit } from './exit-codes.js';

/** A writer to `stream` that turns quiet once the stream's reader has gone (EPIPE) or it cannot be written. */
export function pipeWriter(stream: Writable, report?: (text: string) => void, setExit: (code: number) => void = failExit): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    if (error.code === 'EPIPE') return;
    report?.(`half: cannot write the output: ${error.code ?? error.message}${error.code === 'ENOSPC' ? ' (the disk is full)' : ''}\n`);
    setExit(CliExit.systemFailed);
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

let writeFailed = false;

/** A failed write's exit status, whether it comes before or after the command's own. */
function failExit(code: number): void {
  writeFailed = true;
  process.exitCode = code;
}

/** The exit status of a command that returned `code`: a failed write of its output overrides a success. */
export function finalExitCode(code: number): number {
  return writeFailed && code === CliExit.ok ? CliExit.systemFailed : code;
}

/** The io of a `half` or `half-notify` process. */
export function processIo(): CliIo {
  const err = pipeWriter(process.stderr);
  return { out: pipeWriter(process.stdout, err), err };
}
