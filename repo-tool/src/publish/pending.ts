// `.half-repo/pending`: the pool paths a running (or a stopped) publish is creating, one per
// line, written before the first of them. No index ever listed such a file, so the next publish
// may replace it, and removes it once its switch is done if its own state does not name it.
import { PENDING_PATH } from '../repo/state.js';
import type { PublishedStorage } from './storage.js';

/** The pool paths a stopped publish was creating (none when the last publish completed). */
export async function readPending(storage: PublishedStorage): Promise<Set<string>> {
  const bytes = await storage.readFile(PENDING_PATH).catch(() => undefined);
  if (bytes === undefined) return new Set();
  return new Set(new TextDecoder().decode(bytes).split('\n').filter((line) => line.startsWith('pool/')));
}

/** Replaces the list (removes the file when `paths` is empty). */
export async function writePending(storage: PublishedStorage, paths: ReadonlySet<string>): Promise<void> {
  if (paths.size === 0) await storage.remove(PENDING_PATH);
  else await storage.writeFile(PENDING_PATH, new TextEncoder().encode([...paths].sort().map((p) => `${p}\n`).join('')));
}
