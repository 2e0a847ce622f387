// What to delete after a publish, and what to keep for a while (pure): by-hash files that no
// Release lists any more stay `byHashRetention` seconds (clients still holding the previous
// InRelease fetch them), pool files no index lists stay `poolGrace` seconds; both counted from
// the first publish that stopped listing them, recorded in the state's `retired` map.

export interface CollectInput {
  /** From the previous state: path → unreferenced since (ms since the epoch). */
  readonly retired: Readonly<Record<string, number>>;
  readonly now: number;
  /** by-hash files found under dists/ before this publish. */
  readonly existingByHash: readonly string[];
  /** by-hash files the new Releases need. */
  readonly currentByHash: ReadonlySet<string>;
  /** Pool files of the database that no new index lists. */
  readonly unreferencedPool: readonly string[];
  /** Seconds. */
  readonly byHashRetention: number;
  readonly poolGrace: number;
}

export interface Collection {
  readonly retired: Record<string, number>;
  /** by-hash files to delete now. */
  readonly byHash: readonly string[];
  /** Pool files to delete now (their database entries go too). */
  readonly pool: readonly string[];
}

export function planCollection(input: CollectInput): Collection {
  const retired: Record<string, number> = {};
  const byHash: string[] = [];
  const pool: string[] = [];
  const judge = (path: string, keepSeconds: number, out: string[]) => {
    const since = input.retired[path] ?? input.now;
    if (input.now - since >= keepSeconds * 1000) out.push(path);
    else retired[path] = since;
  };
  for (const path of input.existingByHash) if (!input.currentByHash.has(path)) judge(path, input.byHashRetention, byHash);
  for (const path of input.unreferencedPool) judge(path, input.poolGrace, pool);
  return { retired, byHash, pool };
}
