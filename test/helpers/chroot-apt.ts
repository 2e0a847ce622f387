// apt sources inside a test root: add the repository under test (deb822, with its keyring
// copied in and named by Signed-By) and turn the rootfs's own Debian sources off, so that
// `apt-get update` talks to our repository only. Keeping the Debian sources instead (the
// default) lets apt install dependencies from the machine's mirror the rootfs was made from.
// Format: sources.list(5), DEB822-STYLE FORMAT.
import { readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { formatParagraph } from '../../repo-tool/src/format/deb822.js';
import type { Field } from '../../repo-tool/src/model/paragraph.js';

export interface RepoSource {
  /** Where apt fetches from, e.g. the `url` of serveDirectory(): http://127.0.0.1:PORT */
  readonly url: string;
  readonly suite: string;
  readonly component: string;
  /** Host path of the archive's public keyring: binary OpenPGP, or armored (then named .asc). */
  readonly keyringPath: string;
  /** File stem of the .sources file and keyring inside the root ([A-Za-z0-9_.-]); default half-test. */
  readonly name?: string;
  readonly types?: readonly ('deb' | 'deb-src')[];
  readonly architectures?: readonly string[];
}

/** What these helpers need of a root: the DebianRoot of chroot.ts provides it. */
export interface RootFiles {
  writeFile(path: string, data: string | Uint8Array, options?: { mode?: number }): Promise<void>;
  /** Host path of a path inside the root (symlinks resolved inside it). */
  hostPath(path: string): Promise<string>;
}

export interface WrittenSource {
  readonly sourcesPath: string;
  readonly keyringPath: string;
  readonly text: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** The deb822 stanza for a repository (pure). */
export function formatRepoSource(source: RepoSource, signedBy: string): string {
  const fields: Field[] = [
    ['Types', (source.types ?? ['deb']).join(' ')],
    ['URIs', source.url],
    ['Suites', source.suite],
    ['Components', source.component],
  ];
  if (source.architectures !== undefined) fields.push(['Architectures', source.architectures.join(' ')]);
  fields.push(['Signed-By', signedBy]);
  return formatParagraph(fields);
}

export async function writeRepoSource(root: RootFiles, source: RepoSource): Promise<WrittenSource> {
  const name = source.name ?? 'half-test';
  if (!NAME.test(name)) throw new Error(`source name "${name}" may only use [A-Za-z0-9_.-] (apt ignores other file names)`);
  const key = await readFile(source.keyringPath);
  const armored = key.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
  const keyringPath = `/etc/apt/keyrings/${name}.${armored ? 'asc' : 'gpg'}`;
  await root.writeFile(keyringPath, key, { mode: 0o644 }); // apt reads it as _apt
  const sourcesPath = `/etc/apt/sources.list.d/${name}.sources`;
  const text = formatRepoSource(source, keyringPath);
  await root.writeFile(sourcesPath, text, { mode: 0o644 });
  return { sourcesPath, keyringPath, text };
}

export const DISABLED_SUFFIX = '.disabled-by-half-test';

/** Renames every sources file except `keep` (paths inside the root) so apt ignores it, and
 *  forgets the indexes apt already downloaded. Returns the paths it disabled. */
export async function disableOtherSources(root: RootFiles, keep: ReadonlySet<string>): Promise<string[]> {
  const disabled: string[] = [];
  const candidates = ['/etc/apt/sources.list'];
  const partsDir = await root.hostPath('/etc/apt/sources.list.d');
  for (const name of await readdir(partsDir).catch(() => [] as string[])) {
    if (name.endsWith('.list') || name.endsWith('.sources')) candidates.push(`/etc/apt/sources.list.d/${name}`);
  }
  for (const path of candidates) {
    if (keep.has(path)) continue;
    const host = await root.hostPath(path);
    const moved = await rename(host, `${host}${DISABLED_SUFFIX}`).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    if (moved) disabled.push(path);
  }
  const lists = await root.hostPath('/var/lib/apt/lists');
  for (const name of await readdir(lists).catch(() => [] as string[])) {
    if (name !== 'lock' && name !== 'partial' && name !== 'auxfiles') await rm(`${lists}/${basename(name)}`, { force: true });
  }
  return disabled;
}
