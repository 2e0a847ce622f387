// What the filesystem under the backport cache refuses (a file where a folder should be, a full
// disk, an account without the right to write), said as a ConfigError naming the path and the
// fix (exit 9: the environment, as README's table says), instead of an internal error with a
// stack. Errors that carry the system's one as their cause (flock-hold.ts) are read through it.
import { ConfigError, HalfRepoError } from '../model/errors.js';

/** The errno codes that say the cache's place or disk is unusable, not that half-repo has a bug. */
const CACHE_PROBLEMS = new Set(['ENOTDIR', 'EISDIR', 'EEXIST', 'ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'ENAMETOOLONG', 'ELOOP', 'EMLINK', 'EFBIG']);

/** The system error in `error` or its causes, if any. */
export function systemErrorIn(error: unknown): NodeJS.ErrnoException | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!)) return e as NodeJS.ErrnoException;
  }
  return undefined;
}

function hintFor(code: string, path: string, cacheDir: string): string {
  switch (code) {
    case 'ENOTDIR':
    case 'EISDIR':
    case 'EEXIST':
    case 'ELOOP':
      return `${path} (or a folder above it) is not the folder half-repo expects: set XDG_CACHE_HOME (default $HOME/.cache) to a folder, or move what is in the way`;
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return `free space on the filesystem of ${cacheDir} (a build needs about 1 GB, a builder image 450 MB; deleting any part of the cache is safe), or set XDG_CACHE_HOME to a folder with room`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'run half-repo as the user that owns the cache (root, which builds the backports), or set XDG_CACHE_HOME to a folder of yours';
    default:
      return `check ${path} and its filesystem, or set XDG_CACHE_HOME to a folder elsewhere`;
  }
}

/** `error` as a ConfigError when the filesystem under `cacheDir` (or a folder above it) caused
 *  it; undefined for anything else (an error of ours already typed, or one of another path). */
export function cacheFileError(error: unknown, cacheDir: string): ConfigError | undefined {
  if (error instanceof HalfRepoError) return undefined;
  const system = systemErrorIn(error);
  if (system === undefined || !CACHE_PROBLEMS.has(system.code!)) return undefined;
  const path = system.path ?? cacheDir;
  // a path elsewhere (the repository's pool, /etc) is not the cache's problem
  const related = path === cacheDir || path.startsWith(`${cacheDir}/`) || cacheDir.startsWith(`${path}/`);
  if (!related) return undefined;
  const what = system.syscall === undefined ? 'use' : system.syscall;
  // node's text is "CODE: reason, syscall 'path'" (no path for a write to an open file): the reason alone
  const reason = system.message.replace(/^E[A-Z]+: /, '').replace(/, \w+( '.*)?$/s, '');
  return new ConfigError(`the backport cache ${cacheDir}: cannot ${what} ${path}: ${reason} (${system.code})`, {
    hint: hintFor(system.code!, path, cacheDir),
    cause: error,
  });
}
