// The published tree behind a small interface (aptly's PublishedStorage, narrowed): the
// publisher only ever creates new names, links, renames within a directory and removes.
// Paths are relative to the repository root and use `/`.

/** A path as storage takes it: relative, normalized, no empty or `..` segments. */
export function isRepositoryPath(path: string): boolean {
  return !(path === '' || path.startsWith('/') || path.endsWith('/') || path.includes('//') || /(^|\/)\.\.(\/|$)/.test(path));
}

export interface StoredFileStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

export interface PublishedStorage {
  /** Where the tree lives, for messages (a directory, a bucket…). */
  readonly location: string;
  /** Stat of a file or symlink (not followed); undefined if nothing is there. */
  stat(path: string): Promise<StoredFileStat | undefined>;
  /** stat of many paths at once (a pool scan stats every .deb: a local store can do it without a thread hop per file). */
  statMany(paths: readonly string[]): Promise<(StoredFileStat | undefined)[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** Every file and symlink below `dir`, recursively, as root-relative paths; [] if `dir` is missing. */
  list(dir: string): Promise<string[]>;
  /** Writes `path`, replacing it; creates parent directories. The publisher uses it for temporary names. */
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  /** Gives the existing file `from` a second name `to` (hard link or copy). False if `to` exists already. */
  link(from: string, to: string): Promise<boolean>;
  /** Atomically replaces `to` with `from` (both in one directory). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or symlink (nothing if missing) and the parent directories it leaves empty. */
  remove(path: string): Promise<void>;
  /** Creates a symlink `path` → `target`, replacing whatever `path` was. */
  symlink(target: string, path: string): Promise<void>;
  /** The target of a symlink, or undefined if `path` is not one. */
  readLink(path: string): Promise<string | undefined>;
  /**
   * Takes an exclusive lock on `path` (created if missing, never removed) that the store drops
   * when this process dies, whatever machine or pid namespace the other takers run in (an flock
   * on a local folder); undefined when another process holds it. A store without such a lock
   * leaves it out, and its publishers rely on the pid lock alone.
   */
  hold?(path: string): Promise<StoreHold | undefined>;
}

/** A lock the store holds for this process (PublishedStorage.hold). */
export interface StoreHold {
  release(): Promise<void>;
  /** True once the store dropped it before release() (its holder was killed): another may hold it now. */
  lost(): boolean;
}
