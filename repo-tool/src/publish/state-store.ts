// Reads the state file through the storage (so tests can count every access); the publisher
// writes it, staged and renamed with the rest of the switch.
import { PublishError } from '../model/errors.js';
import type { RepoState } from '../repo/state.js';
import { emptyState, parseState, STATE_PATH } from '../repo/state.js';
import type { PublishedStorage } from './storage.js';

export async function loadState(storage: PublishedStorage): Promise<RepoState> {
  if ((await storage.stat(STATE_PATH)) === undefined) return emptyState;
  return parseState(await storage.readFile(STATE_PATH), `${storage.location}/${STATE_PATH}`);
}

/**
 * For the commands that read a repository and never make one (list, clean): a folder without the
 * state file is refused (a mistyped path, a copy without its state), not taken as empty.
 */
export async function requirePublished(storage: PublishedStorage): Promise<void> {
  if ((await storage.stat(STATE_PATH)) !== undefined) return;
  const pool = await storage.list('pool');
  if (pool.length > 0) {
    throw new PublishError(`${storage.location}/${STATE_PATH} is missing: every pool file would look unreferenced`, {
      hint: `restore ${STATE_PATH} from a backup; nothing was changed without it`,
    });
  }
  throw new PublishError(`${storage.location} is not a repository half-repo published: it has no ${STATE_PATH}`, {
    hint: 'give the folder half-repo build or import published into (default ./public)',
  });
}
