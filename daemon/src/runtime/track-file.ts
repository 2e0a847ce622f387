// The failback gate's track file ([vrrp] resync-file): one line, "1" while this node's resync is
// pending, "0" once it holds the active node's connections. keepalived re-reads it on inotify
// IN_CLOSE_WRITE and IN_MOVED_TO (keepalived 2.2.7/2.3.3 trackers/track_file.c) and reads an
// empty file, a missing file and a deleted one as 0, so the file is never written in place:
// the line goes to a temporary sibling that is renamed over it (rename(2) is atomic), and a
// reader sees the old line or the new one. Synchronous on purpose: two changes can never land
// in the wrong order, and the process's 'exit' hook can still write.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DaemonStartError } from '../errors.js';

/** The file's content for a verdict. */
export function trackFileText(pending: boolean): string {
  return pending ? '1\n' : '0\n';
}

/** The resync file cannot be written: keepalived would go on reading a stale value. */
export class TrackFileError extends DaemonStartError {}

/** Writes the verdict atomically (creating the folder, 0755, if needed). Throws TrackFileError. */
export function writeTrackFile(path: string, pending: boolean): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.half-tmp-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(temp, trackFileText(pending), { mode: 0o644 });
    renameSync(temp, path);
  } catch (error) {
    removeQuietly(temp);
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new TrackFileError(`cannot write the resync file ${path} ([vrrp] resync-file): ${code}`, {
      hint: 'give [vrrp] resync-file a path in a folder half-syncd may write (its unit allows /var/lib/half and /run/half)',
      cause: error,
    });
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // the folder itself is the problem: nothing was left there
  }
}

/** The file's trimmed content, or undefined when it cannot be read (missing: keepalived reads 0). */
export function readTrackFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
