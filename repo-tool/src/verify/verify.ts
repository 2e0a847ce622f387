// `half-repo verify DIR --keyring K`: checks a published repository the way apt will use it,
// for every directory (and suite symlink) under dists/: signatures, the Release's own fields,
// every listed file and its by-hash copies, and every pool file the Packages and Sources
// indexes list. Returns the problems, each naming its file; an empty list means apt will be
// satisfied. `now` is an argument (time is never read inside).
import { getField } from '../model/paragraph.js';
import { stripClearsign } from '../repo/cleartext.js';
import { LocalStorage } from '../publish/local-storage.js';
import type { PublishedStorage } from '../publish/storage.js';
import { checkListedFiles } from './index-checks.js';
import { checkPackagesIndex, checkSourcesIndex, PoolHasher } from './pool-checks.js';
import type { Problem } from './problem.js';
import { problem } from './problem.js';
import { checkReleaseFields, parseRelease } from './release-checks.js';
import { checkSignatures, readKeyring } from './signatures.js';
import { readStored, storageProblem } from './stored.js';

/** The bytes at `path`, or undefined when it is missing or unreadable (then a problem says why). */
async function readIfThere(storage: PublishedStorage, path: string, problems: Problem[]): Promise<Uint8Array | undefined> {
  const stored = await readStored(storage, path);
  if ('problem' in stored) problems.push(stored.problem);
  return 'bytes' in stored ? stored.bytes : undefined;
}

async function verifySuite(storage: PublishedStorage, name: string, keys: Awaited<ReturnType<typeof readKeyring>>, now: Date, hasher: PoolHasher): Promise<Problem[]> {
  const dir = `dists/${name}`;
  const problems: Problem[] = [];
  const unreadable: Problem[] = [];
  const inRelease = await readIfThere(storage, `${dir}/InRelease`, unreadable);
  const release = await readIfThere(storage, `${dir}/Release`, unreadable);
  const releaseGpg = await readIfThere(storage, `${dir}/Release.gpg`, unreadable);
  problems.push(...unreadable);
  const named = new Set(unreadable.map((p) => p.path));
  if (inRelease === undefined && !named.has(`${dir}/InRelease`)) problems.push(problem(`${dir}/InRelease`, 'missing (apt then needs Release and Release.gpg)'));
  if (release === undefined && !named.has(`${dir}/Release`)) problems.push(problem(`${dir}/Release`, 'missing'));
  if (releaseGpg === undefined && !named.has(`${dir}/Release.gpg`)) problems.push(problem(`${dir}/Release.gpg`, 'missing'));
  problems.push(...(await checkSignatures(dir, { ...(inRelease ? { inRelease } : {}), ...(release ? { release } : {}), ...(releaseGpg ? { releaseGpg } : {}) }, keys)));
  const releaseBytes = release ?? inRelease;
  if (releaseBytes === undefined) return problems;
  const path = release !== undefined ? `${dir}/Release` : `${dir}/InRelease`;
  const text = new TextDecoder().decode(releaseBytes);
  const parsed = parseRelease(release !== undefined ? text : stripClearsign(text), path, problems);
  if (parsed === undefined) return problems;
  problems.push(...checkReleaseFields(parsed, name, path, now));
  const byHash = getField(parsed.fields, 'Acquire-By-Hash') === 'yes';
  const { problems: listed, plain } = await checkListedFiles(storage, dir, parsed, byHash);
  problems.push(...listed);
  for (const [rel, bytes] of plain) {
    const index = `${dir}/${rel}`;
    if (/\/binary-[^/]+\/Packages$/.test(rel)) problems.push(...(await checkPackagesIndex(hasher, index, new TextDecoder().decode(bytes))));
    else if (/\/source\/Sources$/.test(rel)) problems.push(...(await checkSourcesIndex(hasher, index, new TextDecoder().decode(bytes))));
  }
  return problems;
}

/** Verifies the repository in `storage` against `keyring` (binary or armored OpenPGP keys). */
export async function verifyPublished(storage: PublishedStorage, keyring: Uint8Array, now: Date): Promise<Problem[]> {
  let keys;
  try {
    keys = await readKeyring(keyring);
  } catch (error) {
    return [problem('(keyring)', `cannot be read as OpenPGP keys: ${(error as Error).message}`)];
  }
  let listed: string[];
  try {
    listed = await storage.list('dists');
  } catch (error) {
    const found = storageProblem('dists', error);
    if (found === undefined) throw error;
    return [found];
  }
  const names = [...new Set(listed.map((p) => p.split('/')[1] as string))].sort();
  if (names.length === 0) return [problem('dists', 'missing or empty: this is not a published repository')];
  const hasher = new PoolHasher(storage);
  const problems: Problem[] = [];
  for (const name of names) problems.push(...(await verifySuite(storage, name, keys, now, hasher)));
  // A pool file that cannot be read is the same problem in every index that lists it: say it once.
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `verify DIR --keyring K`. */
export function verifyRepository(dir: string, keyring: Uint8Array, now: Date): Promise<Problem[]> {
  return verifyPublished(new LocalStorage(dir), keyring, now);
}
