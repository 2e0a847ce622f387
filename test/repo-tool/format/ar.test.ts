import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAr, writeAr, type ArMember } from '../../../repo-tool/src/format/ar.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { expectGolden } from './golden.js';

const run = promisify(execFile);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const members: ArMember[] = [
  { name: 'debian-binary', data: text('2.0\n'), mtime: 1_700_000_000 },
  { name: 'odd', data: text('abc'), mtime: 0, mode: 0o100600 },
  { name: 'empty', data: new Uint8Array(0), mtime: 1 },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-ar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeAr', () => {
  it('matches the golden archive', () => {
    expectGolden('three-members.ar', writeAr(members));
  });

  it('writes deb(5) headers: name padded to 16 without "/", decimal mtime, octal mode, "`\\n", odd members padded', () => {
    const bytes = writeAr(members);
    const latin1 = Buffer.from(bytes).toString('latin1');
    expect(latin1.slice(0, 8)).toBe('!<arch>\n');
    expect(latin1.slice(8, 68)).toBe('debian-binary   1700000000  0     0     100644  4         `\n');
    expect(latin1.slice(72, 132)).toBe('odd             0           0     0     100600  3         `\n');
    expect(latin1.slice(132, 136)).toBe('abc\n');
    expect(bytes.byteLength).toBe(8 + 60 + 4 + 60 + 4 + 60);
  });

  it('is read by binutils ar', async () => {
    const path = join(dir, 'ours.ar');
    await writeFile(path, writeAr(members));
    expect((await run('ar', ['t', path])).stdout).toBe('debian-binary\nodd\nempty\n');
    expect((await run('ar', ['p', path, 'odd'])).stdout).toBe('abc');
    expect((await run('ar', ['tv', path])).stdout).toMatch(/^rw------- 0\/0\s+3 /m);
  });

  it('refuses names that do not fit', () => {
    expect(() => writeAr([{ name: 'a-very-long-member-name', data: new Uint8Array(0), mtime: 0 }])).toThrow(RangeError);
    expect(() => writeAr([{ name: 'with/slash', data: new Uint8Array(0), mtime: 0 }])).toThrow(RangeError);
  });
});

describe('readAr', () => {
  it('reads back what writeAr wrote', () => {
    const entries = readAr(writeAr(members), 'test.ar');
    expect(entries.map((e) => [e.name, Buffer.from(e.data).toString(), e.mtime, e.mode])).toEqual([
      ['debian-binary', '2.0\n', 1_700_000_000, 0o100644],
      ['odd', 'abc', 0, 0o100600],
      ['empty', '', 1, 0o100644],
    ]);
  });

  it('reads an archive made by binutils ar (GNU names end in "/")', async () => {
    await writeFile(join(dir, 'debian-binary'), '2.0\n');
    await writeFile(join(dir, 'odd'), 'abc');
    await run('ar', ['rcD', 'gnu.ar', 'debian-binary', 'odd'], { cwd: dir });
    const entries = readAr(new Uint8Array(await readFile(join(dir, 'gnu.ar'))), 'gnu.ar');
    expect(entries.map((e) => [e.name, Buffer.from(e.data).toString()])).toEqual([
      ['debian-binary', '2.0\n'],
      ['odd', 'abc'],
    ]);
  });

  const good = writeAr(members);
  const broken: [string, Uint8Array, RegExp][] = [
    ['bad magic', Buffer.concat([Buffer.from('!<arch>X'), good.subarray(8)]), /bad ar magic/],
    ['empty file', new Uint8Array(0), /bad ar magic/],
    ['truncated header', good.subarray(0, 8 + 30), /truncated ar member header at offset 8/],
    ['truncated member', good.subarray(0, 8 + 60 + 2), /member "debian-binary" is truncated/],
    ['missing pad byte', good.subarray(0, 8 + 64 + 60 + 3), /member "odd" has odd size and lacks its padding byte/],
    ['bad terminator', Buffer.concat([good.subarray(0, 8 + 58), Buffer.from('xx'), good.subarray(8 + 60)]), /bad terminator/],
    ['size not a number', Buffer.concat([good.subarray(0, 8 + 48), Buffer.from('4x        '), good.subarray(8 + 58)]), /is not a number/],
  ];
  for (const [what, bytes, message] of broken) {
    it(`rejects ${what} with a PackageFormatError naming the file`, () => {
      let error: unknown;
      try {
        readAr(bytes, 'pool/broken.deb');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PackageFormatError);
      expect((error as Error).message).toMatch(/^pool\/broken\.deb: /);
      expect((error as Error).message).toMatch(message);
    });
  }
});
