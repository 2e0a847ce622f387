// In-process standard streams and facts for runConfigure / runJoin.
import type { CommandDeps } from '../../../../daemon/src/configure/cli-io.js';
import type { MachineFacts } from '../../../../daemon/src/configure/machine-facts.js';

export interface CapturedIo {
  readonly deps: Partial<CommandDeps>;
  stdout(): string;
  stderr(): string;
}

export function capturedIo(facts: MachineFacts, stdin = '', key = new Uint8Array(32).fill(7)): CapturedIo {
  let out = '';
  let err = '';
  return {
    deps: {
      io: { readStdin: async () => stdin, out: (t) => void (out += t), err: (t) => void (err += t) },
      facts: { read: async () => facts },
      random: () => Uint8Array.from(key),
    },
    stdout: () => out,
    stderr: () => err,
  };
}
