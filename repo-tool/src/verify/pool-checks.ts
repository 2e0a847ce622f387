// Packages and Sources entries against the pool, as apt checks a downloaded .deb or source
// file: it must exist, and its size and every listed hash must match (a Packages stanza
// without SHA256 is refused by apt: "Insufficient information … securely").
import { parseDeb822 } from '../format/deb822.js';
import { digestsOf } from '../format/digests.js';
import type { Digests } from '../format/digests.js';
import { getField } from '../model/paragraph.js';
import type { PublishedStorage } from '../publish/storage.js';
import type { Problem } from './problem.js';
import { problem } from './problem.js';
import { isRepositoryPath } from '../publish/storage.js';
import { readStored } from './stored.js';

export class PoolHasher {
  private readonly memo = new Map<string, Promise<Digests | Problem | undefined>>();
  constructor(private readonly storage: PublishedStorage) {}

  /** The file's digests; undefined when it is missing; a problem when it cannot be read. */
  digests(path: string): Promise<Digests | Problem | undefined> {
    let result = this.memo.get(path);
    if (result === undefined) {
      result = (async () => {
        const stored = await readStored(this.storage, path);
        if ('missing' in stored) return undefined;
        return 'problem' in stored ? stored.problem : digestsOf(stored.bytes);
      })();
      this.memo.set(path, result);
    }
    return result;
  }
}

async function checkFile(hasher: PoolHasher, index: string, path: string, size: number, hashes: Record<string, string | undefined>): Promise<Problem[]> {
  // An index is signed, but only its publisher's word: a Filename outside the repository is
  // one more thing wrong with it, and apt would fetch something other than a pool file.
  if (!isRepositoryPath(path)) return [problem(index, `lists "${path}", which is not a path inside the repository (apt would fetch it from outside the pool; republish to regenerate the index)`)];
  const actual = await hasher.digests(path);
  if (actual === undefined) return [problem(path, `missing, but ${index} lists it`)];
  if ('message' in actual) return [actual];
  const problems: Problem[] = [];
  if (actual.size !== size) problems.push(problem(path, `size is ${actual.size}, ${index} says ${size}`));
  for (const [key, want] of Object.entries(hashes)) {
    if (want !== undefined && actual[key as keyof Digests] !== want) problems.push(problem(path, `${key} is ${String(actual[key as keyof Digests])}, ${index} says ${want}`));
  }
  return problems;
}

export async function checkPackagesIndex(hasher: PoolHasher, index: string, text: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  let stanzas;
  try {
    stanzas = parseDeb822(text, { source: index });
  } catch (error) {
    return [problem(index, (error as Error).message)];
  }
  for (const s of stanzas) {
    const name = `${getField(s, 'Package') ?? '?'} ${getField(s, 'Version') ?? '?'} (${getField(s, 'Architecture') ?? '?'})`;
    const filename = getField(s, 'Filename');
    const size = getField(s, 'Size');
    if (getField(s, 'Package') === undefined || getField(s, 'Version') === undefined || getField(s, 'Architecture') === undefined) problems.push(problem(index, `a stanza lacks Package, Version or Architecture (${name})`));
    if (filename === undefined || size === undefined || !/^[0-9]+$/.test(size)) {
      problems.push(problem(index, `${name} lacks Filename or Size`));
      continue;
    }
    if (getField(s, 'SHA256') === undefined) problems.push(problem(index, `${name} has no SHA256 (apt refuses to install it)`));
    problems.push(...(await checkFile(hasher, index, filename, Number(size), { md5: getField(s, 'MD5sum'), sha1: getField(s, 'SHA1'), sha256: getField(s, 'SHA256'), sha512: getField(s, 'SHA512') })));
  }
  return problems;
}

const SOURCE_LISTS = [['Files', 'md5'], ['Checksums-Sha1', 'sha1'], ['Checksums-Sha256', 'sha256'], ['Checksums-Sha512', 'sha512']] as const;

export async function checkSourcesIndex(hasher: PoolHasher, index: string, text: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  let stanzas;
  try {
    stanzas = parseDeb822(text, { source: index });
  } catch (error) {
    return [problem(index, (error as Error).message)];
  }
  for (const s of stanzas) {
    const name = `${getField(s, 'Package') ?? '?'} ${getField(s, 'Version') ?? '?'}`;
    const directory = getField(s, 'Directory');
    if (directory === undefined) {
      problems.push(problem(index, `${name} lacks Directory`));
      continue;
    }
    const files = new Map<string, { size: number; hashes: Record<string, string> }>();
    for (const [field, key] of SOURCE_LISTS) {
      for (const line of (getField(s, field) ?? '').split('\n')) {
        const [hash, size, file] = line.trim().split(/\s+/);
        if (hash === undefined || size === undefined || file === undefined || hash === '') continue;
        const entry = files.get(file) ?? { size: Number(size), hashes: {} };
        entry.hashes[key] = hash;
        files.set(file, entry);
      }
    }
    if (files.size === 0) problems.push(problem(index, `${name} lists no files`));
    if (![...files.values()].every((f) => f.hashes['sha256'] !== undefined)) problems.push(problem(index, `${name} lacks Checksums-Sha256 for some files`));
    for (const [file, { size, hashes }] of files) problems.push(...(await checkFile(hasher, index, `${directory}/${file}`, size, hashes)));
  }
  return problems;
}
