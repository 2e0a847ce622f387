// Removes a list of published files one by one, going on past a failure: what a publish collects
// after its switch and what `half-repo clean` removes. The caller decides what a failure means.
import type { PublishedStorage } from './storage.js';

export interface Removal {
  readonly removed: string[];
  /** One per file that could not be removed, with why. */
  readonly failed: { readonly path: string; readonly reason: string }[];
}

export async function removeAll(storage: PublishedStorage, paths: readonly string[]): Promise<Removal> {
  const removal: Removal = { removed: [], failed: [] };
  for (const path of paths) {
    try {
      await storage.remove(path);
      removal.removed.push(path);
    } catch (error) {
      removal.failed.push({ path, reason: (error as Error).message });
    }
  }
  return removal;
}
