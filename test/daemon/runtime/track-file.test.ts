// The failback gate's track file on a real filesystem: the line keepalived reads, replaced by
// rename (never truncated in place: keepalived reads an empty file as 0), the folder made when
// missing, and a path that cannot be written refused with the key and the fix.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonStartError } from '../../../daemon/src/errors.js';
import { readTrackFile, TrackFileError, trackFileText, writeTrackFile } from '../../../daemon/src/runtime/track-file.js';

describe('track file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'h17-track-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('holds 1 while the resync is pending and 0 once done, one line each', () => {
    expect([trackFileText(true), trackFileText(false)]).toEqual(['1\n', '0\n']);
  });

  it('replaces the file by rename: a new inode, mode 0644, no temporary file left', async () => {
    const path = join(dir, 'resync-pending');
    writeTrackFile(path, true);
    const first = await stat(path);
    writeTrackFile(path, false);
    const second = await stat(path);
    expect(await readFile(path, 'utf8')).toBe('0\n');
    expect(second.ino).not.toBe(first.ino);
    expect(second.mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(['resync-pending']);
    expect(readTrackFile(path)).toBe('0');
  });

  it('makes a missing folder, and reads a missing file as undefined', async () => {
    const path = join(dir, 'var', 'lib', 'half', 'resync-pending');
    expect(readTrackFile(path)).toBeUndefined();
    writeTrackFile(path, true);
    expect(readTrackFile(path)).toBe('1');
  });

  it('refuses a path it cannot write, naming the key and the fix', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    let error: unknown;
    try {
      writeTrackFile(join(blocker, 'resync-pending'), true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TrackFileError);
    expect(error).toBeInstanceOf(DaemonStartError);
    expect((error as TrackFileError).message).toMatch(new RegExp(`^cannot write the resync file ${blocker}/resync-pending \\(\\[vrrp\\] resync-file\\): E[A-Z]+$`));
    expect((error as TrackFileError).hint).toMatch(/\/var\/lib\/half and \/run\/half/);
  });
});
