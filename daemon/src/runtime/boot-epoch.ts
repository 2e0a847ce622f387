// The boot epoch, kept in STATE_DIR/boot-epoch (one decimal number and a newline). Each start
// takes nextBootEpoch(stored, now) and makes it durable (temporary file, fsync, rename, fsync
// of the directory) before the first frame is sent: the epoch is half of every AES-GCM nonce
// (wire/protocol.md), so an epoch used twice under the same key could repeat a nonce.
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BootEpochError } from '../errors.js';
import { nextBootEpoch } from '../sync/identity.js';

export const BOOT_EPOCH_FILE = 'boot-epoch';

/** The stored epoch; undefined when there is none yet. A damaged file is an error, not a reset. */
export function parseStoredEpoch(text: string, path: string): number {
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed) || Number(trimmed) > 0xffffffff) {
    throw new BootEpochError(`${path} does not hold a boot epoch (a number up to 4294967295): "${trimmed.slice(0, 40)}"`, {
      hint: `write into it a number at least as large as the current Unix time (date +%s > ${path}); removing it is safe only if the cluster key is changed too`,
    });
  }
  return Number(trimmed);
}

async function readStored(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BootEpochError(`cannot read the boot epoch ${path}: ${(error as Error).message}`, { hint: 'half-syncd runs as root and needs its state directory', cause: error });
  }
  return parseStoredEpoch(text, path);
}

async function writeDurably(dir: string, path: string, value: number): Promise<void> {
  const temporary = `${path}.${process.pid}.new`;
  const file = await open(temporary, 'w', 0o644);
  try {
    await file.writeFile(`${value}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path).catch(async (error: unknown) => {
    await unlink(temporary).catch(() => undefined);
    throw error;
  });
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** Takes the next boot epoch and stores it durably; resolves with it. */
export async function claimBootEpoch(stateDir: string, nowSeconds: number): Promise<number> {
  const path = join(stateDir, BOOT_EPOCH_FILE);
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new BootEpochError(`cannot create the state directory ${stateDir}: ${(error as Error).message}`, {
      hint: 'give half-syncd a writable state directory (systemd: StateDirectory=half), or pass --state-dir',
      cause: error,
    });
  }
  const epoch = nextBootEpoch(await readStored(path), nowSeconds);
  try {
    await writeDurably(stateDir, path, epoch);
  } catch (error) {
    throw new BootEpochError(`cannot store the boot epoch in ${path}: ${(error as Error).message}`, {
      hint: `make ${stateDir} writable for half-syncd (systemd: StateDirectory=half), or pass --state-dir`,
      cause: error,
    });
  }
  return epoch;
}
