// The process edge's stdout and stderr as a CliIo. A reader that goes away before the output is
// written (`half doctor | head -1`, `half --help | false`) makes a write fail with EPIPE (Node
// ignores SIGPIPE), which Node raises as an 'error' event: unhandled, that is a stack trace and
// exit 1. Leaving is the reader's choice, not a failure of the command: the stream is written no
// more, quietly, and the command's own exit status stands (as for C tools killed by SIGPIPE,
// the shell's pipefail decides whether that matters).
import type { Writable } from 'node:stream';
import type { CliIo } from './command.js';

/** A writer to `stream` that turns quiet once the stream's reader has gone (EPIPE). */
export function pipeWriter(stream: Writable): (text: string) => void {
  let readerGone = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error; // anything else is unexpected: the one catch-all of the process
    readerGone = true;
  });
  return (text) => {
    if (!readerGone) stream.write(text);
  };
}

/** The io of a `half` or `half-notify` process. */
export function processIo(): CliIo {
  return { out: pipeWriter(process.stdout), err: pipeWriter(process.stderr) };
}
