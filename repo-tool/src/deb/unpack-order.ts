// What dpkg cannot unpack in a data.tar even though each entry alone is fine: dpkg creates the
// entries in archive order, so a hard link must name a regular file an earlier entry created
// (dpkg: "error creating hard link"), and nothing can go below a path an earlier entry made a
// symlink or a file (dpkg: "unable to create …"; a symlink there would also lead outside the
// package's own tree).
import type { TarItem } from '../format/tar-read.js';

/** An entry's path below the root: no `./` or `/` in front, no `/` behind. */
function normal(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** Why dpkg cannot create `entries` in this order, or undefined when it can. */
export function unpackOrderProblem(entries: readonly TarItem[]): string | undefined {
  /** What the latest entry at each path made of it. */
  const made = new Map<string, TarItem['type']>();
  for (const e of entries) {
    const path = normal(e.name);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const above = parts.slice(0, i).join('/');
      const kind = made.get(above);
      if (kind === 'symlink') return `"${e.name}" is below "${above}", which an earlier entry made a symlink`;
      if (kind !== undefined && kind !== 'directory') return `"${e.name}" is below "${above}", which an earlier entry made a file, not a directory`;
    }
    if (e.type === 'link') {
      const target = normal(e.target ?? '');
      const kind = made.get(target);
      if (kind !== 'file' && kind !== 'link') return `the hard link "${e.name}" names "${e.target ?? ''}", which is not a regular file of an earlier entry`;
    }
    if (path !== '') made.set(path, e.type);
  }
  return undefined;
}
