#!/usr/bin/env node
// Entry point of `half-syncd` (bundled by esbuild into /usr/lib/half/half-syncd.js, run by
// /usr/sbin/half-syncd): the process edge only. Everything else is runtime/run-syncd.ts (the
// command line, the one catch, signals) and runtime/daemon.ts (the object graph).
//
//   half-syncd [--config /etc/half/half.conf] [--state-dir /var/lib/half] [--foreground] [--check | --load-table]
// first: SIGHUP is ignored before the rest of the program is evaluated (runtime/early-hup.ts)
import './runtime/early-hup.js';
import { runSyncd } from './runtime/run-syncd.js';

const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
};

void runSyncd(process.argv.slice(2), io).then((code) => {
  // Exit explicitly: a purge timer of the failover driver may still be pending after a stop.
  process.stdout.write('', () => process.exit(code));
});
