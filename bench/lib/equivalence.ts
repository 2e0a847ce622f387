// A benchmark compares like with like only if both tools made the same packages: checks with
// dpkg-deb itself that two .debs have the same control fields, the same control members (with
// their sizes) and the same data.tar listing (modes, owners, sizes, mtimes, names).
import { runTool } from './run-tool.js';

async function describeDeb(path: string): Promise<{ fields: string; members: string; listing: string }> {
  const [fields, info, listing] = await Promise.all([runTool('dpkg-deb', ['-f', path]), runTool('dpkg-deb', ['-I', path]), runTool('dpkg-deb', ['-c', path])]);
  // -I starts with the archive and member sizes (which compression changes); the rest lists control members.
  const members = info.stdout.split('\n').filter((l) => /^\s+\d+ bytes,/.test(l)).join('\n');
  return { fields: fields.stdout, members, listing: listing.stdout };
}

/** Throws naming the first difference between the packages at `a` and `b`. */
export async function assertEquivalentDebs(a: string, b: string): Promise<void> {
  const [da, db] = await Promise.all([describeDeb(a), describeDeb(b)]);
  for (const key of ['fields', 'members', 'listing'] as const) {
    if (da[key] !== db[key]) {
      throw new Error(`the builders made different packages (${key}):\n--- ${a}\n${da[key]}\n--- ${b}\n${db[key]}\nfix the synthetic input so that both build the same package`);
    }
  }
}
