// The pool side of a plan: every file an index lists (it must already be there) or that this
// publish adds (with its bytes), and the database files no index lists any more.
import type { PlannedPoolFile } from './plan-model.js';
import type { RepoInput } from './plan.js';
import type { SourceEntry } from './source-entry.js';

export function sourcePoolPaths(entry: SourceEntry): string[] {
  const dir = entry.dscPoolPath.slice(0, entry.dscPoolPath.lastIndexOf('/'));
  return [entry.dscPoolPath, ...entry.files.map((f) => `${dir}/${f.name}`)];
}

export function planPool(input: Pick<RepoInput, 'binaries' | 'sources' | 'additions'>, referenced: ReadonlySet<string>): { pool: PlannedPoolFile[]; unreferenced: string[] } {
  const added = new Map(input.additions.map((f) => [f.path, f]));
  const known = new Map<string, PlannedPoolFile>();
  for (const b of input.binaries) known.set(b.poolPath, { path: b.poolPath, digests: b.digests });
  for (const s of input.sources) {
    known.set(s.dscPoolPath, { path: s.dscPoolPath, digests: s.dscDigests });
    const dir = s.dscPoolPath.slice(0, s.dscPoolPath.lastIndexOf('/'));
    for (const f of s.files) known.set(`${dir}/${f.name}`, { path: `${dir}/${f.name}`, digests: f.digests });
  }
  for (const path of added.keys()) {
    if (!known.has(path)) throw new Error(`planRepository: addition ${path} belongs to no package entry`);
  }
  const pool: PlannedPoolFile[] = [];
  for (const [path, file] of known) {
    const addition = added.get(path);
    if (addition !== undefined) pool.push({ path, digests: addition.digests, bytes: addition.bytes });
    else if (referenced.has(path)) pool.push(file);
  }
  pool.sort((a, b) => (a.path < b.path ? -1 : 1));
  const unreferenced = [...known.keys()].filter((p) => !referenced.has(p)).sort();
  return { pool, unreferenced };
}
