// Reading a published file for verify: what a web server would fail to serve (a symlink loop, a
// directory where a file should be, a file it may not read) is a problem with that file, not a
// reason to stop; verify goes on and lists it with the rest.
import type { PublishedStorage } from '../publish/storage.js';
import type { Problem } from './problem.js';
import { problem } from './problem.js';

/** What apt would get for one path: its bytes, nothing (a 404), or an error the server hits. */
export type Stored = { readonly bytes: Uint8Array } | { readonly missing: true } | { readonly problem: Problem };

const WHY: Readonly<Record<string, string>> = {
  ELOOP: 'is a symlink loop (too many levels of symbolic links)',
  EISDIR: 'is a directory, not a file',
  EACCES: 'cannot be read (permission denied)',
  EPERM: 'cannot be read (operation not permitted)',
  ENOTDIR: 'cannot be read (a folder above it is not a directory)',
};

/** The problem for a storage error (an errno error); undefined for anything else, which is a bug. */
export function storageProblem(path: string, error: unknown): Problem | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return undefined;
  return problem(path, `${WHY[code] ?? `cannot be read (${code})`}: a web server cannot serve it (replace it with the file apt expects, or republish)`);
}

/** Reads `path`, turning storage errors into a problem naming it. */
export async function readStored(storage: PublishedStorage, path: string): Promise<Stored> {
  try {
    if ((await storage.stat(path)) === undefined) return { missing: true };
    return { bytes: await storage.readFile(path) };
  } catch (error) {
    const found = storageProblem(path, error);
    if (found === undefined) throw error;
    return { problem: found };
  }
}
