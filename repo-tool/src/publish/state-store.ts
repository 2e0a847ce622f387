// Reads the state file through the storage (so tests can count every access); the publisher
// writes it, staged and renamed with the rest of the switch.
import type { RepoState } from '../repo/state.js';
import { emptyState, parseState, STATE_PATH } from '../repo/state.js';
import type { PublishedStorage } from './storage.js';

export async function loadState(storage: PublishedStorage): Promise<RepoState> {
  if ((await storage.stat(STATE_PATH)) === undefined) return emptyState;
  return parseState(await storage.readFile(STATE_PATH), `${storage.location}/${STATE_PATH}`);
}
