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

async function readIfThere(storage: PublishedStorage, path: string): Promise<Uint8Array | undefined> {
  return (await storage.stat(path)) === undefined ? undefined : storage.readFile(path);
}

async function verifySuite(storage: PublishedStorage, name: string, keys: Awaited<ReturnType<typeof readKeyring>>, now: Date, hasher: PoolHasher): Promise<Problem[]> {
  const dir = `dists/${name}`;
  const problems: Problem[] = [];
  const inRelease = await readIfThere(storage, `${dir}/InRelease`);
  const release = await readIfThere(storage, `${dir}/Release`);
  const releaseGpg = await readIfThere(storage, `${dir}/Release.gpg`);
  if (inRelease === undefined) problems.push(problem(`${dir}/InRelease`, 'missing (apt then needs Release and Release.gpg)'));
  if (release === undefined) problems.push(problem(`${dir}/Release`, 'missing'));
  if (releaseGpg === undefined) problems.push(problem(`${dir}/Release.gpg`, 'missing'));
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
  const names = [...new Set((await storage.list('dists')).map((p) => p.split('/')[1] as string))].sort();
  if (names.length === 0) return [problem('dists', 'missing or empty: this is not a published repository')];
  const hasher = new PoolHasher(storage);
  const problems: Problem[] = [];
  for (const name of names) problems.push(...(await verifySuite(storage, name, keys, now, hasher)));
  return problems;
}

/** `verify DIR --keyring K`. */
export function verifyRepository(dir: string, keyring: Uint8Array, now: Date): Promise<Problem[]> {
  return verifyPublished(new LocalStorage(dir), keyring, now);
}
