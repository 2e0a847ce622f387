// The pool files the published indexes list: every Filename of each binary-*/Packages and every
// Directory + file of each source/Sources under dists/, in every generation still served. apt
// follows InRelease to an index by its hash, so a by-hash copy is as live as the plain file: the
// generation an older InRelease names (a switch that stopped half way, a client that updated
// before the last publish) stays under by-hash/ for `byHashRetention`. Compression is read from
// the bytes (by-hash names carry none). What `half-repo clean` never removes, whatever the state says.
import { parseDeb822 } from '../format/deb822.js';
import { PublishError } from '../model/errors.js';
import type { Paragraph } from '../model/paragraph.js';
import { getField } from '../model/paragraph.js';
import { decompressByMagic } from '../verify/decompress.js';
import { isTempName } from './journal.js';
import type { PublishedStorage } from './storage.js';

const PLAIN = /\/(binary-[^/]+\/Packages|source\/Sources)(\.gz|\.xz)?$/;
/** Every generation of an index has a SHA256 copy (MD5Sum and SHA512 are links to the same bytes). */
const BY_HASH = /\/(binary-[^/]+|source)\/by-hash\/SHA256\/[0-9a-f]{64}$/;

async function plainText(path: string, bytes: Uint8Array): Promise<string> {
  return new TextDecoder().decode(await decompressByMagic(path, bytes));
}

/** The pool paths one Packages or Sources stanza names. */
function namedBy(stanza: Paragraph): string[] {
  const filename = getField(stanza, 'Filename');
  if (filename !== undefined) return [filename];
  const directory = getField(stanza, 'Directory');
  if (directory === undefined) return [];
  const names = ['Files', 'Checksums-Sha256'].flatMap((field) => (getField(stanza, field) ?? '').split('\n').map((line) => line.trim().split(/\s+/)[2]));
  return names.filter((name): name is string => name !== undefined).map((name) => `${directory}/${name}`);
}

export async function indexedPoolPaths(storage: PublishedStorage): Promise<Set<string>> {
  const paths = new Set<string>();
  const dists = await storage.list('dists');
  const indexes = dists.filter((p) => !isTempName(p) && (BY_HASH.test(p) || (!p.includes('/by-hash/') && PLAIN.test(p))));
  for (const index of indexes) {
    let stanzas;
    try {
      stanzas = parseDeb822(await plainText(index, await storage.readFile(index)), { source: index });
    } catch (cause) {
      throw new PublishError(`cannot read the index ${storage.location}/${index}, so cannot tell which pool files it lists: ${(cause as Error).message}`, {
        cause,
        hint:
          'half-repo verify names the damaged files. A live index and its by-hash copy are one file (hard links), so a publish reuses it: ' +
          'remove the damaged index and its by-hash copies, publish again (half-repo build or import), then clean; nothing was removed',
      });
    }
    for (const stanza of stanzas) for (const path of namedBy(stanza)) paths.add(path);
  }
  return paths;
}
