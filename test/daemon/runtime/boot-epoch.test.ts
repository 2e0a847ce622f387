// The boot epoch file (daemon/src/runtime/boot-epoch.ts) on a real filesystem: strictly
// increasing across starts, even within one second or with the clock set back; a damaged file is
// an error (never silently reset); the file is replaced whole (no temporary file left behind).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BootEpochError } from '../../../daemon/src/errors.js';
import { BOOT_EPOCH_PATH } from '../../../daemon/src/config/node-files.js';
import { BOOT_EPOCH_FILE, claimBootEpoch, parseStoredEpoch } from '../../../daemon/src/runtime/boot-epoch.js';
import { DEFAULT_STATE_DIR } from '../../../daemon/src/runtime/daemon-args.js';

describe('the boot epoch file', () => {
  it('is where the config validator keeps path keys away from (node-files.ts)', () => {
    expect(join(DEFAULT_STATE_DIR, BOOT_EPOCH_FILE)).toBe(BOOT_EPOCH_PATH);
  });
});

describe('claimBootEpoch', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'h13-epoch-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('starts from the wall clock and stores what it returns', async () => {
    const state = join(dir, 'state');
    expect(await claimBootEpoch(state, 1_800_000_000.7)).toBe(1_800_000_000);
    expect(await readFile(join(state, BOOT_EPOCH_FILE), 'utf8')).toBe('1800000000\n');
    expect(await readdir(state)).toEqual([BOOT_EPOCH_FILE]);
  });

  it('never repeats an epoch: same second, clock set back', async () => {
    expect(await claimBootEpoch(dir, 1_800_000_000)).toBe(1_800_000_000);
    expect(await claimBootEpoch(dir, 1_800_000_000)).toBe(1_800_000_001);
    expect(await claimBootEpoch(dir, 1_700_000_000)).toBe(1_800_000_002);
    expect(await claimBootEpoch(dir, 1_900_000_000)).toBe(1_900_000_000);
  });

  it('refuses a damaged file instead of starting over', async () => {
    await writeFile(join(dir, BOOT_EPOCH_FILE), 'garbage\n');
    await expect(claimBootEpoch(dir, 1_800_000_000)).rejects.toThrow(BootEpochError);
    await expect(claimBootEpoch(dir, 1_800_000_000)).rejects.toThrow(/does not hold a boot epoch/);
    expect(() => parseStoredEpoch('4294967296', 'f')).toThrow(BootEpochError);
    expect(parseStoredEpoch(' 42\n', 'f')).toBe(42);
  });
});
