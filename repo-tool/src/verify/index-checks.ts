// Every file a Release lists, checked as apt checks a download: size and every listed hash;
// an uncompressed path that is not there is checked through a compressed form; with
// Acquire-By-Hash, the by-hash copy under each listed hash must hold the same bytes.
import { createHash } from 'node:crypto';
import type { PublishedStorage } from '../publish/storage.js';
import { decompressByName } from './decompress.js';
import type { Problem } from './problem.js';
import { problem } from './problem.js';
import type { HashField, ListedFile, ParsedRelease } from './release-checks.js';
import { readStored } from './stored.js';

const ALGORITHM: Readonly<Record<HashField, string>> = { MD5Sum: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

function compare(path: string, bytes: Uint8Array, listed: ListedFile, what: string): Problem[] {
  const problems: Problem[] = [];
  if (bytes.byteLength !== listed.size) problems.push(problem(path, `${what}size is ${bytes.byteLength}, Release says ${listed.size}`));
  for (const [field, want] of listed.hashes) {
    const got = createHash(ALGORITHM[field]).update(bytes).digest('hex');
    if (got !== want) problems.push(problem(path, `${what}${field} is ${got}, Release says ${want}`));
  }
  return problems;
}

export interface IndexCheckResult {
  readonly problems: Problem[];
  /** Uncompressed content of listed indexes (by path relative to the suite), when readable. */
  readonly plain: Map<string, Uint8Array>;
}

export async function checkListedFiles(storage: PublishedStorage, dir: string, release: ParsedRelease, byHash: boolean): Promise<IndexCheckResult> {
  const problems: Problem[] = [];
  const plain = new Map<string, Uint8Array>();
  const contents = new Map<string, Uint8Array>();
  /** Plain texts that exist only as a compressed file: which one they were decoded from. */
  const decodedFrom = new Map<string, string>();
  /** Listed files that are there but cannot be read (already a problem). */
  const unreadable = new Set<string>();
  for (const [rel, listed] of release.entries) {
    const path = `${dir}/${rel}`;
    const stored = await readStored(storage, path);
    if ('missing' in stored) continue;
    if ('problem' in stored) {
      problems.push(stored.problem);
      unreadable.add(rel);
      continue;
    }
    const bytes = stored.bytes;
    contents.set(rel, bytes);
    problems.push(...compare(path, bytes, listed, ''));
    if (byHash) {
      const base = path.slice(0, path.lastIndexOf('/'));
      for (const [field, hash] of listed.hashes) {
        const copy = `${base}/by-hash/${field}/${hash}`;
        const stored = await readStored(storage, copy);
        if ('missing' in stored) problems.push(problem(copy, `missing: Acquire-By-Hash is on and Release lists ${rel} with this ${field}`));
        else if ('problem' in stored) problems.push(stored.problem);
        else if (createHash(ALGORITHM[field]).update(stored.bytes).digest('hex') !== hash) problems.push(problem(copy, `content does not match its name`));
      }
    }
  }
  for (const [rel, listed] of release.entries) {
    if (unreadable.has(rel)) continue;
    if (contents.has(rel)) {
      if (!/\.(gz|xz)$/.test(rel)) plain.set(rel, contents.get(rel) as Uint8Array);
      continue;
    }
    const compressed = ['.xz', '.gz'].map((s) => rel + s).find((c) => contents.has(c));
    if (compressed === undefined) {
      const hasForms = !/\.(gz|xz|bz2|lzma|zst|lz4)$/.test(rel) && [...release.entries.keys()].some((k) => k.startsWith(`${rel}.`));
      problems.push(problem(`${dir}/${rel}`, hasForms ? 'listed in Release, but neither it nor a compressed form of it exists' : 'listed in Release but missing'));
      continue;
    }
    try {
      const bytes = await decompressByName(compressed, contents.get(compressed) as Uint8Array);
      problems.push(...compare(`${dir}/${compressed}`, bytes, listed, 'decompressed '));
      plain.set(rel, bytes);
      decodedFrom.set(rel, compressed);
    } catch (error) {
      problems.push(problem(`${dir}/${compressed}`, `cannot be decompressed: ${(error as Error).message}`));
    }
  }
  for (const [rel, bytes] of contents) {
    const base = rel.replace(/\.(gz|xz)$/, '');
    if (base === rel || !plain.has(base) || decodedFrom.get(base) === rel) continue;
    try {
      const decoded = await decompressByName(rel, bytes);
      if (Buffer.compare(decoded, plain.get(base) as Uint8Array) !== 0) problems.push(problem(`${dir}/${rel}`, `decompresses to something other than ${base}`));
    } catch (error) {
      problems.push(problem(`${dir}/${rel}`, `cannot be decompressed: ${(error as Error).message}`));
    }
  }
  return { problems, plain };
}
