// What `half configure` and `half join` need from their process, behind one interface so tests
// run them in-process: standard streams, the machine's facts, and randomness for a new key.
// The one top-level catch of both commands maps errors to exit codes here (errors.ts ExitCode).
import { randomBytes } from 'node:crypto';
import { CLUSTER_KEY_BYTES } from '../config/cluster-key.js';
import { ExitCode, HalfRepoError } from '../../../repo-tool/src/model/errors.js';
import { IpCommandFacts, type FactsSource } from './read-machine-facts.js';

export interface CommandIo {
  readStdin(): Promise<string>;
  out(text: string): void;
  err(text: string): void;
}

export interface CommandDeps {
  readonly io: CommandIo;
  readonly facts: FactsSource;
  readonly random: () => Uint8Array;
  /** The environment (DEBCONF_RECONFIGURE: run from dpkg-reconfigure). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export const processIo: CommandIo = {
  readStdin: () => readAll(process.stdin),
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export function defaultDeps(overrides: Partial<CommandDeps> = {}): CommandDeps {
  return {
    io: overrides.io ?? processIo,
    facts: overrides.facts ?? new IpCommandFacts(),
    random: overrides.random ?? (() => Uint8Array.from(randomBytes(CLUSTER_KEY_BYTES))),
    env: overrides.env ?? process.env,
  };
}

/** Runs `body`; an error becomes a message on stderr (with its hint) and its exit code. */
export async function withExitCode(command: string, io: CommandIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof HalfRepoError) {
      io.err(`${command}: ${error.message}\n`);
      if (error.hint !== undefined) io.err(`  ${error.hint}\n`);
      return error.exitCode;
    }
    io.err(`${command}: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.internal;
  }
}
