#!/usr/bin/env node
// Entry point of the `half-notify` binary (bundled into /usr/sbin/half-notify): the process edge.
import { runHalfNotify } from './half-notify-run.js';
import { finalExitCode, processIo } from './process-io.js';

void runHalfNotify(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = finalExitCode(code);
});
