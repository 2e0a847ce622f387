// Writing files so that a reader (keepalived, nft, systemd-sysctl, a crash) sees the old content
// or the new one, never half of either: write a temporary file in the same folder, fsync it,
// then rename(2) it over the target. Folders are created as needed (0755).
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NodeFileError } from '../errors.js';

export interface StagedFile {
  readonly path: string;
  readonly temp: string;
}

/** Writes `content` to a temporary sibling of `path` (mode `mode`), synced; not yet in place. */
export async function stageFile(path: string, content: string | Uint8Array, mode: number): Promise<StagedFile> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const temp = join(dir, `.${basename(path)}.half-tmp-${process.pid}`);
  const handle = await open(temp, 'w', mode);
  try {
    await handle.chmod(mode); // the umask may have narrowed the open() mode
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return { path, temp };
}

export async function commitFile(staged: StagedFile): Promise<void> {
  await rename(staged.temp, staged.path);
}

export async function discardFile(staged: StagedFile): Promise<void> {
  await rm(staged.temp, { force: true });
}

/** stageFile + commitFile. */
export async function writeFileAtomic(path: string, content: string | Uint8Array, mode: number): Promise<void> {
  await commitFile(await stageFile(path, content, mode));
}

/** The file's text, or undefined when it does not exist; a NodeFileError when it cannot be read (a folder, say). */
export async function readIfExists(path: string): Promise<string | undefined> {
  const bytes = await readBytesIfExists(path);
  return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** readIfExists's bytes, for a caller that decodes them itself (half.conf: strict UTF-8). */
export async function readBytesIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const code = (error as NodeJS.ErrnoException).code;
    const fix = code === 'EISDIR' ? `make ${path} a file, not a folder` : code === 'ENOTDIR' ? `a folder on the way to ${path} is a file: make it a folder` : `make ${path} readable by root`;
    throw new NodeFileError(`could not read ${path}: ${code ?? (error as Error).message}`, { hint: `nothing was changed: ${fix}, then run the command again`, cause: error });
  }
}
