// The machine's own apt configuration: /etc/apt/sources.list (one-line format) and
// /etc/apt/sources.list.d/*.list and *.sources (deb822), read the way apt reads them (parts in
// name order; files whose names are not [A-Za-z0-9_.-] ending in .list/.sources are ignored,
// as apt ignores `foo.list.disabled`). The only I/O of repo-tool/src/apt/; parsing is pure.
//
//   const mirror = await debianMirror();           // e.g. "http://mirror.invalid/debian"
//   const { sources, filesRead } = await readMachineSources({ root: '/srv/chroot' });
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../model/errors.js';
import type { AptSource } from './apt-source.js';
import { requireDebianArchive, type DebianArchive } from './debian-archive.js';
import { parseSourcesDeb822 } from './sources-deb822.js';
import { parseSourcesList } from './sources-list.js';

export interface MachineSourcesOptions {
  /** Filesystem root whose etc/apt is read; default "/". */
  readonly root?: string;
}

export interface MachineSources {
  /** Every entry of every file, disabled ones included, in apt's reading order. */
  readonly sources: readonly AptSource[];
  /** The files that were read (absolute paths under root). */
  readonly filesRead: readonly string[];
}

const PART = /^[A-Za-z0-9_.-]+\.(list|sources)$/;

export async function readMachineSources(options: MachineSourcesOptions = {}): Promise<MachineSources> {
  const etcApt = join(options.root ?? '/', 'etc/apt');
  const files: string[] = [];
  const main = join(etcApt, 'sources.list');
  const sources: AptSource[] = [];
  const mainText = await readIfPresent(main);
  if (mainText !== undefined) {
    files.push(main);
    sources.push(...parseSourcesList(mainText, main));
  }
  const partsDir = join(etcApt, 'sources.list.d');
  for (const name of (await listIfPresent(partsDir)).filter((n) => PART.test(n)).sort()) {
    const path = join(partsDir, name);
    const text = await readIfPresent(path);
    if (text === undefined) continue;
    files.push(path);
    sources.push(...(name.endsWith('.sources') ? parseSourcesDeb822(text, path) : parseSourcesList(text, path)));
  }
  return { sources, filesRead: files };
}

/** The main Debian archive configured on the machine (never the security archive). */
export async function debianArchive(options: MachineSourcesOptions = {}): Promise<DebianArchive> {
  const { sources, filesRead } = await readMachineSources(options);
  return requireDebianArchive(sources, filesRead);
}

/** The URI of the main Debian archive configured on the machine, without a trailing "/". */
export async function debianMirror(options: MachineSourcesOptions = {}): Promise<string> {
  return (await debianArchive(options)).uri;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new ConfigError(`cannot read apt sources file ${path}: ${(error as Error).message}`, {
      hint: 'make it readable, or name the Debian mirror with the --mirror URL option',
      cause: error,
    });
  }
}

async function listIfPresent(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw new ConfigError(`cannot list ${dir}: ${(error as Error).message}`, { hint: 'make it readable', cause: error });
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
