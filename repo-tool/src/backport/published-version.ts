// A backport version the target repository already publishes: its pool files are what clients
// have under that version, so a build of it (a rebuild after the cache entry was lost: the build
// is reproducible) is only used when every file it made that the pool holds is byte-identical.
// Otherwise the pool would be offered other bytes under the same version; the fix is a new
// iteration (`~bpoNN+halfN+1`).
import { createHash } from 'node:crypto';
import { ConfigError } from '../model/errors.js';
import type { BackportManifest } from './backport-cache.js';

/** What a repository publishes of one source version, read from its pool. */
export interface PublishedVersion {
  /** The bytes the pool holds under this file name (a pool path's last part), undefined when it holds none. */
  read(name: string): Promise<Uint8Array | undefined>;
}

/** Asks the target repository for a source version; undefined when it does not publish it. */
export type PublishedLookup = (source: string, version: string) => Promise<PublishedVersion | undefined>;

/** The version is published already and a build would make other bytes: never a reason to fall back to Debian's package. */
export class PublishedVersionError extends ConfigError {}

/** The files of a build that go to the pool: the .debs, the files the .dsc lists, the .dsc (which
 *  differs whenever one of those does, so it comes last). */
function poolFiles(manifest: BackportManifest): string[] {
  return [...manifest.binaries, ...manifest.sourceFiles, manifest.dsc];
}

/** The files of a build (as its manifest hashes them) whose bytes differ from the pool's file of
 *  that name; [] when every one the pool holds is identical (one it lacks is no conflict). */
export async function differingFromPublished(manifest: BackportManifest, published: PublishedVersion): Promise<string[]> {
  const differing: string[] = [];
  for (const name of poolFiles(manifest)) {
    const bytes = await published.read(name);
    if (bytes !== undefined && createHash('sha256').update(bytes).digest('hex') !== manifest.sha256[name]) differing.push(name);
  }
  return differing;
}
