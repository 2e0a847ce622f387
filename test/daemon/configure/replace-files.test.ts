// replaceFiles on a real folder, with a rename that fails at a chosen step: the files already
// replaced or removed are put back, staged and backup files are gone, and an undo that fails
// too is named with where the old content is.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stageFile, type StagedFile } from '../../../daemon/src/configure/atomic-file.js';
import { clearLeftovers, NODE_FILE_OPS, replaceFiles, ReplaceFilesError, type FileOps } from '../../../daemon/src/configure/replace-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-replace-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const at = (name: string): string => join(dir, name);

async function contents(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(at(name), 'utf8');
  return out;
}

/** a, b exist; c is new; gone is to be removed. */
async function setUp(): Promise<StagedFile[]> {
  await writeFile(at('a'), 'old a');
  await writeFile(at('b'), 'old b');
  await writeFile(at('gone'), 'old gone');
  return [await stageFile(at('a'), 'new a', 0o644), await stageFile(at('c'), 'new c', 0o644), await stageFile(at('b'), 'new b', 0o644)];
}

/** Node's operations, but the rename onto `target` (or from it, for a removal) fails with EIO. */
function failingRename(target: string, alsoUndo = false): FileOps {
  let failed = false;
  return {
    ...NODE_FILE_OPS,
    rename: async (from, to) => {
      const undo = failed && to === at('a');
      if ((to === target || from === target) && !failed) {
        failed = true;
        throw Object.assign(new Error('i/o error'), { code: 'EIO' });
      }
      if (undo && alsoUndo) throw Object.assign(new Error('read-only'), { code: 'EROFS' });
      await NODE_FILE_OPS.rename(from, to);
    },
  };
}

describe('replaceFiles', () => {
  it('replaces, creates and removes, leaving no staged or backup file', async () => {
    await replaceFiles(await setUp(), [at('gone'), at('never-there')]);
    expect(await contents()).toEqual({ a: 'new a', b: 'new b', c: 'new c' });
  });

  it.each([
    ['the third replacement', 'b'],
    ['the removal', 'gone'],
  ])('puts everything back when %s fails', async (_, failing) => {
    const staged = await setUp();
    const error = await replaceFiles(staged, [at('gone')], failingRename(at(failing))).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ReplaceFilesError);
    expect(error).toMatchObject({ path: at(failing), reason: 'EIO', notRestored: [] });
    expect(await contents()).toEqual({ a: 'old a', b: 'old b', gone: 'old gone' });
  });

  it('names a file it could not put back, and where its old content is', async () => {
    const error = await replaceFiles(await setUp(), [], failingRename(at('b'), true)).then(() => undefined, (e: unknown) => e);
    const backup = at(`.a.half-old-${process.pid}`);
    expect(error).toMatchObject({ path: at('b'), reason: 'EIO', notRestored: [`${at('a')} (EROFS; its old content is ${backup})`] });
    expect(await contents()).toEqual({ a: 'new a', b: 'old b', gone: 'old gone', [`.a.half-old-${process.pid}`]: 'old a' });
  });

  it('changes nothing when a target refuses its backup link', async () => {
    const staged = await setUp();
    const ops: FileOps = { ...NODE_FILE_OPS, link: async (existing, name) => (existing === at('b') ? Promise.reject(Object.assign(new Error('no'), { code: 'EPERM' })) : NODE_FILE_OPS.link(existing, name)) };
    await expect(replaceFiles(staged, [at('gone')], ops)).rejects.toMatchObject({ path: at('b'), reason: 'EPERM', notRestored: [] });
    expect(await contents()).toEqual({ a: 'old a', b: 'old b', gone: 'old gone' });
  });

  it('clears what a run killed part way left beside its targets, when that run is gone', async () => {
    for (const name of ['a', '.a.half-old-111', '.a.half-tmp-111', '.a.half-old-222', '.b.half-tmp-111', '.other.half-old-111', '.a.half-old-x']) await writeFile(at(name), name);
    const cleared = await clearLeftovers([at('a'), at('b')], (pid) => pid === 222);
    expect(cleared.sort()).toEqual([at('.a.half-old-111'), at('.a.half-tmp-111'), at('.b.half-tmp-111')]);
    expect(Object.keys(await contents())).toEqual(['.a.half-old-222', '.a.half-old-x', '.other.half-old-111', 'a']);
  });
});
