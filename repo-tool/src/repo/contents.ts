// Contents-<arch> indices (DebianRepository/Format, "Contents indices"), the files apt-file
// reads: one line per installed path, sorted, "path" then whitespace then a comma-separated
// list of "section/package" locations (Debian's archive layout, no header).
import type { PoolEntry } from '../model/artifact.js';
import { fieldOf } from './fields.js';

const COLUMN = 60;

function location(entry: PoolEntry): string {
  const name = fieldOf(entry.control, 'Package') ?? '';
  const section = fieldOf(entry.control, 'Section');
  return section === undefined || section === '' ? name : `${section}/${name}`;
}

/** Contents text for the given packages (the caller picks the architecture's set). */
export function formatContents(entries: readonly PoolEntry[]): string {
  // One [path, location] pair per installed path, sorted, then merged per path: far fewer
  // allocations than a map of sets for 10,000 packages.
  const pairs: [string, string][] = [];
  for (const entry of entries) {
    const where = location(entry);
    for (const path of entry.paths) pairs.push([path, where]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let out = '';
  for (let i = 0; i < pairs.length; ) {
    const path = (pairs[i] as [string, string])[0];
    let where = (pairs[i] as [string, string])[1];
    let j = i + 1;
    for (; j < pairs.length && (pairs[j] as [string, string])[0] === path; j++) {
      const next = (pairs[j] as [string, string])[1];
      if (next !== (pairs[j - 1] as [string, string])[1]) where += `,${next}`;
    }
    out += path.length >= COLUMN - 1 ? `${path} ${where}\n` : `${path.padEnd(COLUMN - 1)} ${where}\n`;
    i = j;
  }
  return out;
}
