import { describe, expect, it } from 'vitest';
import { PublishError } from '../../../repo-tool/src/model/errors.js';
import { parseState, sameStat, serializeState } from '../../../repo-tool/src/repo/state.js';
import type { RepoState } from '../../../repo-tool/src/repo/state.js';
import { fakeEntry } from './helpers/entries.js';

describe('state file', () => {
  const state: RepoState = {
    binaries: [
      { entry: fakeEntry('zeta', '1', 'all', ['trixie']).entry, stat: { size: 10, mtimeMs: 1.5, ino: 7 } },
      { entry: fakeEntry('alpha', '1', 'amd64', ['bookworm', 'trixie']).entry, stat: { size: 11, mtimeMs: 2.25, ino: 8 } },
    ],
    sources: [],
    retired: { 'dists/trixie/half/binary-amd64/by-hash/SHA256/ab': 1_790_000_000_000 },
  };

  it('round-trips, sorted by pool path so the same repository gives the same bytes', () => {
    const bytes = serializeState(state);
    const back = parseState(bytes, 'state.json');
    expect(back.binaries.map((b) => b.entry.poolPath)).toEqual(['pool/half/a/alpha/alpha_1_amd64.deb', 'pool/half/z/zeta/zeta_1_all.deb']);
    expect(back.binaries[1]).toEqual(state.binaries[0]);
    expect(back.retired).toEqual(state.retired);
    expect(serializeState({ ...state, binaries: [...state.binaries].reverse() })).toEqual(bytes);
  });

  it('compares size, mtime and inode', () => {
    expect(sameStat({ size: 1, mtimeMs: 2, ino: 3 }, { size: 1, mtimeMs: 2, ino: 3 })).toBe(true);
    expect(sameStat({ size: 1, mtimeMs: 2, ino: 3 }, { size: 1, mtimeMs: 2, ino: 4 })).toBe(false);
    expect(sameStat(undefined, { size: 1, mtimeMs: 2, ino: 3 })).toBe(false);
  });

  it('says how to recover from a damaged file', () => {
    const attempt = () => parseState(new TextEncoder().encode('{"format":1,"binaries":[{"entry":{}}],"sources":[],"retired":{}}'), 'OUT/.half-repo/state.json');
    expect(attempt).toThrow(PublishError);
    expect(attempt).toThrow(/OUT\/\.half-repo\/state\.json: has a damaged pool entry null/);
    expect(() => parseState(new TextEncoder().encode('{'), 'x')).toThrow(/x: is not valid JSON/);
    expect(() => parseState(new TextEncoder().encode('{"format":9}'), 'x')).toThrow(/has format 9, this half-repo reads format 1/);
  });

  it.each<[string, (json: any) => void, RegExp]>([
    ['a file list that is no list', (j) => (j.binaries[0].entry.paths = 5), /damaged pool entry "pool\/half\/a\/alpha\/alpha_1_amd64\.deb" \(its file list, suites or component\)/],
    ['no component', (j) => (j.binaries[0].entry.component = null), /\(its file list, suites or component\)/],
    ['no suites', (j) => (j.binaries[1].entry.suites = []), /damaged pool entry "pool\/half\/z\/zeta\/zeta_1_all\.deb" \(its file list, suites or component\)/],
    ['an empty control', (j) => (j.binaries[0].entry.control = []), /\(its control fields\)/],
    ['a stat without its inode', (j) => delete j.binaries[0].stat.ino, /\(its path, digests or stat\)/],
    ['a retired time that is text', (j) => (j.retired['x'] = 'soon'), /has a retired time that is not a number/],
  ])('names a damaged entry as state.json\'s, with the recovery: %s', (_what, damage, message) => {
    const json = JSON.parse(new TextDecoder().decode(serializeState(state)));
    damage(json);
    const attempt = () => parseState(new TextEncoder().encode(JSON.stringify(json)), 'OUT/.half-repo/state.json');
    expect(attempt).toThrow(PublishError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/^OUT\/\.half-repo\/state\.json: /);
  });
});
