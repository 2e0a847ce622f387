// Puts staged files in place and removes others as one change. Every target that exists first
// gets a backup name in its own folder (a hard link for a file to be replaced, a rename for one
// to be removed), so each step of the change is a rename that can be undone: when one fails part
// way, the backups are renamed back and the folders hold what they held before. A target that
// refuses a link (immutable, append-only, a mount point) therefore fails before anything changed.
import * as fs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { processAlive } from '../../../repo-tool/src/model/process-alive.js';
import { discardFile, type StagedFile } from './atomic-file.js';

/** The file operations the change uses (tests put a failing one in). */
export interface FileOps {
  readonly link: (existing: string, name: string) => Promise<void>;
  readonly rename: (from: string, to: string) => Promise<void>;
  readonly rm: (path: string) => Promise<void>;
  readonly exists: (path: string) => Promise<boolean>;
}

export const NODE_FILE_OPS: FileOps = {
  link: (existing, name) => fs.link(existing, name),
  rename: (from, to) => fs.rename(from, to),
  rm: (path) => fs.rm(path, { force: true }),
  exists: (path) => fs.lstat(path).then(() => true, (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error))),
};

/** Why the change failed, and what could not be put back (empty: every folder is as it was). */
export class ReplaceFilesError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly notRestored: readonly string[],
  ) {
    super(`${path}: ${reason}`);
  }
}

function backupName(path: string): string {
  return join(dirname(path), `.${basename(path)}.half-old-${process.pid}`);
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Renames every staged file over its target and removes `removals`; all or nothing as far as
 * the file system lets (a failing undo is named in the error). Staged files are discarded on
 * failure; backups are deleted on success.
 */
export async function replaceFiles(writes: readonly StagedFile[], removals: readonly string[], ops: FileOps = NODE_FILE_OPS): Promise<void> {
  const backups = new Map<string, string>(); // target -> backup name
  const done: string[] = []; // targets changed so far, in order
  const fail = async (path: string, error: unknown): Promise<never> => {
    const notRestored: string[] = [];
    for (const target of done.reverse()) {
      const backup = backups.get(target);
      try {
        if (backup !== undefined) await ops.rename(backup, target);
        else await ops.rm(target);
        if (backup !== undefined) backups.delete(target);
      } catch (undo) {
        notRestored.push(`${target} (${reasonOf(undo)}${backup !== undefined ? `; its old content is ${backup}` : ''})`);
      }
    }
    for (const [target, backup] of backups) if (!done.includes(target)) await ops.rm(backup).catch(() => undefined);
    await Promise.all(writes.map(discardFile));
    throw new ReplaceFilesError(path, reasonOf(error), notRestored);
  };

  for (const file of writes) {
    try {
      if (!(await ops.exists(file.path))) continue;
      const backup = backupName(file.path);
      await ops.rm(backup);
      await ops.link(file.path, backup);
      backups.set(file.path, backup);
    } catch (error) {
      await fail(file.path, error);
    }
  }
  for (const file of writes) {
    try {
      await ops.rename(file.temp, file.path);
      done.push(file.path);
    } catch (error) {
      await fail(file.path, error);
    }
  }
  for (const path of removals) {
    try {
      if (!(await ops.exists(path))) continue;
      const backup = backupName(path);
      await ops.rm(backup);
      await ops.rename(path, backup);
      backups.set(path, backup);
      done.push(path);
    } catch (error) {
      await fail(path, error);
    }
  }
  for (const backup of backups.values()) await ops.rm(backup).catch(() => undefined);
}

/**
 * Removes the temporary and backup files (`.NAME.half-tmp-PID`, `.NAME.half-old-PID`) that a
 * run killed part way left beside `targets`, when their process is gone. Errors are ignored:
 * they are leftovers, and the run goes on without them.
 */
export async function clearLeftovers(targets: readonly string[], isAlive: (pid: number) => boolean = processAlive): Promise<string[]> {
  const wanted = new Set(targets);
  const cleared: string[] = [];
  for (const dir of new Set(targets.map((t) => dirname(t)))) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = /^\.(.+)\.half-(?:old|tmp)-(\d+)$/.exec(name);
      if (m === null || !wanted.has(join(dir, m[1] as string))) continue;
      const pid = Number(m[2]);
      if (pid === process.pid || isAlive(pid)) continue;
      await fs.rm(join(dir, name), { force: true }).then(() => cleared.push(join(dir, name)), () => undefined);
    }
  }
  return cleared;
}
