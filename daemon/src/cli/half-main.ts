#!/usr/bin/env node
// Entry point of the `half` binary (bundled by esbuild into /usr/bin/half): the process edge.
import { runHalf } from './half.js';
import { finalExitCode, processIo } from './process-io.js';

void runHalf(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = finalExitCode(code);
});
