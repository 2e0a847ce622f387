#!/usr/bin/env node
// Entry point of the `half` binary (bundled by esbuild into /usr/bin/half): the process edge.
import { runHalf } from './half.js';

const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
};

void runHalf(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
