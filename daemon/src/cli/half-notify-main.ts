#!/usr/bin/env node
// Entry point of the `half-notify` binary (bundled into /usr/sbin/half-notify): the process edge.
import { runHalfNotify } from './half-notify-run.js';

const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
};

void runHalfNotify(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
