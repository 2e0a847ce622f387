// Reading a file named on the command line: only a regular file (a symlink to one is fine). A
// FIFO, a character device or a directory named x_1.0_all.deb would block the read forever or
// fail obscurely; it is opened without blocking and refused by what fstat says, before a byte
// is read (one open: nothing can swap the file between the check and the read).
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { PackageFormatError } from '../model/errors.js';

function kind(stats: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** The bytes of the regular file `path`; a PackageFormatError naming what it is otherwise. */
export async function readRegularFile(path: string): Promise<Uint8Array> {
  // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new PackageFormatError(`is ${kind(stats)}, not a regular file`, { hint: 'name the package file itself (a copy of what came through a pipe or device)' });
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}
