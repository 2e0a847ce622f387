// stripElf on the netlink prebuilds, checked with binutils' readelf (which reads any machine's
// ELF) and against GNU strip itself on the amd64 one; that the stripped amd64 binding still
// loads is checked by Debian's own nodejs in test/debian/half-syncd-runtime.test.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripElf } from '../../scripts/strip-elf.js';
import { DefinitionError } from '../../repo-tool/src/model/errors.js';
import { run } from '../helpers/tools.js';
import { REPO_ROOT } from '../pkgs/helpers/context.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-strip-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const readelf = async (args: string[], file: string): Promise<string> => {
  const r = await run('readelf', [...args, '-W', file]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return r.stdout;
};

const sectionNames = (text: string): string[] => [...text.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1] as string);

describe.each(['linux-x64', 'linux-arm64'])('stripElf(%s prebuild)', (tuple) => {
  it('drops the symbol table and keeps everything the loader reads', async () => {
    const source = join(REPO_ROOT, 'node_modules/netlink/prebuilds', tuple, 'node.napi.node');
    const original = await readFile(source);
    const stripped = stripElf(original, source);
    const file = join(dir, `${tuple}.node`);
    await writeFile(file, stripped);
    const before = sectionNames(await readelf(['-S'], source));
    const after = sectionNames(await readelf(['-S'], file));
    expect(before).toContain('.symtab');
    expect(after).toEqual(before.filter((n) => n !== '.symtab' && n !== '.strtab' && n !== '.comment'));
    for (const view of [['-l'], ['-d'], ['--dyn-syms'], ['-r'], ['-h']]) {
      const a = (await readelf(view, source)).replace(/Start of section headers:.*\n|Number of section headers:.*\n|Section header string table index:.*\n/g, '');
      const b = (await readelf(view, file)).replace(/Start of section headers:.*\n|Number of section headers:.*\n|Section header string table index:.*\n/g, '');
      expect(b, `readelf ${view.join(' ')}`).toBe(a);
    }
    expect(stripped.length).toBeLessThan(original.length);
    expect((await run('file', ['-b', file])).stdout).toMatch(/, stripped$/m);
    expect(stripElf(stripped)).toBe(stripped); // nothing left to strip
  });
});

describe('stripElf', () => {
  it('removes the same sections as GNU strip does under dh_strip', async () => {
    const source = join(REPO_ROOT, 'node_modules/netlink/prebuilds/linux-x64/node.napi.node');
    const gnu = join(dir, 'gnu.node');
    await run('strip', ['--remove-section=.comment', '--strip-unneeded', '-o', gnu, source], { check: true });
    const ours = join(dir, 'ours.node');
    await writeFile(ours, stripElf(await readFile(source)));
    expect(sectionNames(await readelf(['-S'], ours))).toEqual(sectionNames(await readelf(['-S'], gnu)));
  });

  it('refuses what is not an ELF64 little-endian file, naming it', () => {
    expect(() => stripElf(new TextEncoder().encode('#!/bin/sh\n'), 'x.node')).toThrow(DefinitionError);
    expect(() => stripElf(new TextEncoder().encode('#!/bin/sh\n'), 'x.node')).toThrow(/x\.node: cannot strip: not an ELF file/);
    const elf32 = Buffer.alloc(64);
    elf32.writeUInt32BE(0x7f454c46, 0);
    elf32[4] = 1;
    elf32[5] = 1;
    expect(() => stripElf(elf32)).toThrow(/not ELF64 little-endian/);
  });
});
