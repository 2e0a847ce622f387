// Debian version parsing and ordering against dpkg itself: `dpkg --validate-version` on
// generated strings, `dpkg --compare-versions` on generated pairs (seeded, so failures
// reproduce), plus the classic cases from deb-version(7).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersion, versionWithoutEpoch } from '../../../repo-tool/src/deb/version.js';

const run = promisify(execFile);

/** mulberry32: a small seeded generator, so every run tests the same cases. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

function part(rnd: () => number, chars: string, maxLength: number): string {
  let out = '';
  const n = 1 + Math.floor(rnd() * maxLength);
  for (let i = 0; i < n; i++) out += pick(rnd, [...chars]);
  return out;
}

/** A valid version: optional epoch, upstream starting with a digit, optional revision. */
function version(rnd: () => number): string {
  const epoch = rnd() < 0.2 ? `${Math.floor(rnd() * 3)}:` : '';
  const upstream = pick(rnd, ['0', '1', '2', '9', '10', '01']) + (rnd() < 0.8 ? part(rnd, '0123456789..+~~abzAZ', 6) : '');
  const revision = rnd() < 0.5 ? `-${part(rnd, '0123456789.+~~ab', 4)}` : '';
  return epoch + upstream + revision;
}

/** A close neighbour of `v`, where ordering bugs hide. */
function neighbour(rnd: () => number, v: string): string {
  switch (Math.floor(rnd() * 6)) {
    case 0: return `${v}~`;
    case 1: return `${v}+1`;
    case 2: return v.replace(/\d/, (d) => String((Number(d) + 1) % 10));
    case 3: return v.replace(/(\d+)/, '0$1');
    case 4: return v.includes('-') ? v.replace(/-.*/, '') : `${v}-0`;
    default: return v.replace(/[a-z]/, '~');
  }
}

/** Runs many `dpkg --compare-versions` in one shell: -1, 0 or 1 per pair. */
async function dpkgCompare(pairs: readonly (readonly [string, string])[]): Promise<number[]> {
  const script = pairs.map(([a, b]) => `if dpkg --compare-versions '${a}' lt '${b}'; then echo -1; elif dpkg --compare-versions '${a}' eq '${b}'; then echo 0; else echo 1; fi`).join('\n');
  const { stdout } = await run('sh', ['-c', script], { maxBuffer: 1 << 24 });
  return stdout.trim().split('\n').map(Number);
}

describe('compareVersions', () => {
  it('orders the deb-version(7) examples', () => {
    const ascending = ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0-1', '1.0-1.1', '1.0a', '1.0+', '1.0.1', '1:0.1', '2:0'];
    for (let i = 1; i < ascending.length; i++) expect(compareVersions(ascending[i - 1] as string, ascending[i] as string), `${ascending[i - 1]} < ${ascending[i]}`).toBeLessThan(0);
    expect(compareVersions('1.0', '1.0-0')).toBe(0);
    expect(compareVersions('0:1.0', '1.0')).toBe(0);
    expect(compareVersions('1.01', '1.1')).toBe(0);
  });

  it('agrees with dpkg --compare-versions on 600 generated pairs', async () => {
    const rnd = random(20_241_126);
    const pairs: [string, string][] = [];
    for (let i = 0; i < 600; i++) {
      const a = version(rnd);
      pairs.push([a, rnd() < 0.6 ? neighbour(rnd, a) : version(rnd)]);
    }
    const valid = pairs.filter(([a, b]) => parseVersion(a).ok && parseVersion(b).ok);
    expect(valid.length).toBeGreaterThan(500);
    const theirs = await dpkgCompare(valid);
    const ours = valid.map(([a, b]) => Math.sign(compareVersions(a, b)));
    const disagreements = valid.filter((_, i) => ours[i] !== theirs[i]).map(([a, b]) => `${a} vs ${b}`);
    expect(disagreements).toEqual([]);
  });

  it('throws RangeError on an invalid version', () => {
    expect(() => compareVersions('a1', '1')).toThrow(RangeError);
  });
});

describe('parseVersion', () => {
  it('splits epoch, upstream and revision (the last "-" starts the revision)', () => {
    expect(parseVersion('2:1.0-1-3')).toEqual({ ok: true, version: { epoch: 2, upstream: '1.0-1', revision: '3' } });
    expect(parseVersion('1:2:3')).toEqual({ ok: true, version: { epoch: 1, upstream: '2:3', revision: '' } });
  });

  it('accepts exactly what dpkg --validate-version accepts, on 400 generated strings', async () => {
    const rnd = random(7);
    const strings = new Set<string>(['1.0', 'a1', ':1', '1:', '1.0-', '1-0-1', '1:2:3', '1_0', '0:', '1a:b', '00:1', '99999999999:1', '1.0-a_b', '1:a']);
    while (strings.size < 400) strings.add(pick(rnd, ['', '', '1', 'a']) + part(rnd, '019az.+~-:_ A', 8));
    // dpkg trims surrounding whitespace; a definition's version must not have any (see below).
    const list = [...strings].filter((s) => !s.startsWith('-') && s === s.trim());
    const script = list.map((s) => `if dpkg --validate-version '${s}' 2>/dev/null; then echo ok; else echo bad; fi`).join('\n');
    const theirs = (await run('sh', ['-c', script], { maxBuffer: 1 << 24 })).stdout.trim().split('\n');
    const disagreements = list.filter((s, i) => (parseVersion(s).ok ? 'ok' : 'bad') !== theirs[i]);
    expect(disagreements).toEqual([]);
  });

  it('is stricter than dpkg about surrounding whitespace, which it rejects', async () => {
    await run('dpkg', ['--validate-version', '1.0 ']);
    expect(parseVersion('1.0 ').ok).toBe(false);
    expect(parseVersion(' 1.0').ok).toBe(false);
  });

  it('says what is wrong', () => {
    const problem = (v: string): string => {
      const parsed = parseVersion(v);
      return parsed.ok ? 'ok' : parsed.problem;
    };
    expect(problem('1.0-')).toMatch(/no revision/);
    expect(problem('a1')).toMatch(/must start with a digit/);
    expect(problem('x:1')).toMatch(/epoch "x"/);
    expect(problem('1.0 1')).toMatch(/whitespace/);
  });

  it('drops the epoch for file names', () => {
    expect(versionWithoutEpoch('1:2.0-1')).toBe('2.0-1');
    expect(versionWithoutEpoch('2.0')).toBe('2.0');
  });
});
