// A private temporary folder per bench run, removed at the end, also when the run fails or is
// interrupted (Ctrl-C). Processes the run started are its own business (runTool waits for them).
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Workdir {
  readonly path: string;
  /** A path inside the work folder. */
  at(...parts: string[]): string;
}

/** Runs `body` with a fresh temporary folder named after `prefix`, then removes it. */
export async function withWorkdir<T>(prefix: string, body: (dir: Workdir) => Promise<T>): Promise<T> {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const cleanup = () => rmSync(path, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body({ path, at: (...parts) => join(path, ...parts) });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
  }
}

/** Empties (or creates) `path`: the untimed reset between repetitions. */
export async function freshDir(path: string): Promise<string> {
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
  return path;
}
