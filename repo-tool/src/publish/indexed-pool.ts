// The pool files the published indexes list: every Filename of each binary-*/Packages and every
// Directory + file of each source/Sources under dists/ (plain, .gz or .xz; by-hash copies are
// older forms of the same indexes). What `half-repo clean` never removes, whatever the state says.
import { parseDeb822 } from '../format/deb822.js';
import { PublishError } from '../model/errors.js';
import { getField } from '../model/paragraph.js';
import { decompressByName } from '../verify/decompress.js';
import { isTempName } from './journal.js';
import type { PublishedStorage } from './storage.js';

const PACKAGES = /\/binary-[^/]+\/Packages(\.gz|\.xz)?$/;
const SOURCES = /\/source\/Sources(\.gz|\.xz)?$/;

export async function indexedPoolPaths(storage: PublishedStorage): Promise<Set<string>> {
  const paths = new Set<string>();
  const indexes = (await storage.list('dists')).filter((p) => !p.includes('/by-hash/') && !isTempName(p) && (PACKAGES.test(p) || SOURCES.test(p)));
  for (const index of indexes) {
    let stanzas;
    try {
      const text = new TextDecoder().decode(await decompressByName(index, await storage.readFile(index)));
      stanzas = parseDeb822(text, { source: index });
    } catch (cause) {
      throw new PublishError(`cannot read ${storage.location}/${index}: ${(cause as Error).message}`, {
        cause,
        hint: 'republish (half-repo build or import) to regenerate the indexes; nothing was removed',
      });
    }
    for (const stanza of stanzas) {
      if (PACKAGES.test(index)) {
        const filename = getField(stanza, 'Filename');
        if (filename !== undefined) paths.add(filename);
        continue;
      }
      const directory = getField(stanza, 'Directory');
      if (directory === undefined) continue;
      for (const field of ['Files', 'Checksums-Sha256']) {
        for (const line of (getField(stanza, field) ?? '').split('\n')) {
          const name = line.trim().split(/\s+/)[2];
          if (name !== undefined) paths.add(`${directory}/${name}`);
        }
      }
    }
  }
  return paths;
}
