// deb822 on real Debian input: the machine's dpkg status file and apt's Packages files.
// First, why not `debian-control` (npm): each shortcoming shown on real input. Then our parser
// (repo-tool/src/format/deb822.ts) on every paragraph of those files, round trip exact.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import * as debianControl from 'debian-control';
import { describe, expect, it } from 'vitest';
import { Deb822Error, formatParagraph, formatParagraphs, parseDeb822, parseSingleParagraph } from '../../../repo-tool/src/format/deb822.js';
import { getField } from '../../../repo-tool/src/model/paragraph.js';

const run = promisify(execFile);
const STATUS = '/var/lib/dpkg/status';
const LISTS = '/var/lib/apt/lists';

const statusText = readFileSync(STATUS, 'utf8');
/** Raw paragraphs of the status file, split on blank lines without any parser. */
const rawStatus = statusText.split('\n\n').filter((p) => p.trim() !== '');

/** apt's Packages lists (lz4 or plain), decompressed by apt itself. */
async function packagesFiles(): Promise<{ name: string; text: string }[]> {
  const names = readdirSync(LISTS).filter((n) => /_Packages(\.lz4|\.gz|\.xz)?$/.test(n));
  return Promise.all(names.map(async (name) => ({ name, text: (await run('/usr/lib/apt/apt-helper', ['cat-file', `${LISTS}/${name}`], { maxBuffer: 1 << 30 })).stdout })));
}

describe('debian-control falls short on real input', () => {
  it('trims continuation lines, losing the verbatim indentation of Description', () => {
    const raw = rawStatus.find((p) => /^Description:.*\n(?: .*\n)*  \S/m.test(p + '\n'));
    expect(raw, 'a status paragraph with a verbatim description line').toBeDefined();
    const verbatim = (raw as string).split('\n').find((l) => /^  \S/.test(l)) as string;
    const theirs = debianControl.parse(raw as string)['Description'];
    expect(Array.isArray(theirs) && theirs.includes(verbatim.trim())).toBe(true);
    expect(Array.isArray(theirs) && theirs.some((l) => l === verbatim || l === verbatim.slice(1))).toBe(false);
    const ours = getField(parseSingleParagraph(raw as string, { source: STATUS }), 'Description');
    expect(ours?.split('\n')).toContain(verbatim);
  });

  it('merges paragraphs: a two-package text comes back as one object, the first package lost', () => {
    const [first, second] = rawStatus;
    const merged = debianControl.parse(`${first}\n\n${second}\n`);
    const firstName = /^Package: (.+)$/m.exec(first as string)?.[1];
    const secondName = /^Package: (.+)$/m.exec(second as string)?.[1];
    expect(merged['Package']).toBe(secondName);
    expect(merged['Package']).not.toBe(firstName);
    expect(parseDeb822(`${first}\n\n${second}\n`, { source: STATUS }).map((p) => getField(p, 'Package'))).toEqual([firstName, secondName]);
  });

  it('matches field names case-sensitively, which deb822(5) forbids', () => {
    const raw = (rawStatus[0] as string).replace(/^Package:/m, 'package:');
    expect(debianControl.parse(raw)['Package']).toBeUndefined();
    expect(getField(parseSingleParagraph(raw, { source: 'lower-case' }), 'Package')).toBe(/^package: (.+)$/m.exec(raw)?.[1]);
  });
});

describe('parseDeb822 on real files', () => {
  it(`parses every paragraph of ${STATUS} and formats it back to the same text`, () => {
    const paragraphs = parseDeb822(statusText, { source: STATUS, verbatim: true });
    expect(paragraphs.length).toBe(rawStatus.length);
    expect(paragraphs.length).toBeGreaterThan(100);
    for (const p of paragraphs) expect(getField(p, 'package')).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
    expect(formatParagraphs(paragraphs) + (statusText.endsWith('\n\n') ? '\n' : '')).toBe(statusText);
  });

  it("parses apt's Packages lists and formats them back to the same text", async () => {
    const files = await packagesFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const { name, text } of files) {
      const paragraphs = parseDeb822(text, { source: name, verbatim: true });
      expect(paragraphs.length, name).toBe(text.split('\n\n').filter((p) => p.trim() !== '').length);
      for (const p of paragraphs) expect(getField(p, 'SHA256'), name).toMatch(/^[0-9a-f]{64}$/);
      expect(formatParagraphs(paragraphs) + (text.endsWith('\n\n') ? '\n' : ''), name).toBe(text);
    }
  });

  it('trims first-line whitespace by default and keeps it when asked (verbatim)', () => {
    const raw = rawStatus.find((p) => /^[A-Za-z-]+: .*\S[ \t]+$/m.test(p));
    expect(raw, 'a status paragraph with trailing whitespace on a first line').toBeDefined();
    const line = (raw as string).split('\n').find((l) => /^[A-Za-z-]+: .*\S[ \t]+$/.test(l)) as string;
    const name = line.slice(0, line.indexOf(':'));
    const firstLine = (options: { verbatim?: boolean }): string | undefined => getField(parseSingleParagraph(raw as string, { source: STATUS, ...options }), name)?.split('\n')[0];
    expect(firstLine({})).toBe(line.slice(name.length + 2).trim());
    expect(firstLine({ verbatim: true })).toBe(line.slice(name.length + 2));
  });

  it('keeps a field whose value starts on the next line (Conffiles) and round-trips it', () => {
    const raw = rawStatus.find((p) => /^Conffiles:\n /m.test(p));
    expect(raw).toBeDefined();
    const paragraph = parseSingleParagraph(raw as string, { source: STATUS });
    expect(getField(paragraph, 'Conffiles')?.startsWith('\n /')).toBe(true);
    expect(formatParagraph(paragraph)).toBe(`${raw}\n`);
  });

  it('reports malformed input with the source and line', () => {
    expect(() => parseDeb822('Package: a\n continued\nnot a field\n', { source: 'bad.txt' })).toThrow(Deb822Error);
    expect(() => parseDeb822('Package: a\n continued\nnot a field\n', { source: 'bad.txt' })).toThrow(/^bad\.txt, line 3: /);
    expect(() => parseDeb822('Package: a\npackage: b\n', { source: 'dup.txt' })).toThrow(/line 2: field "package" appears twice/);
    expect(() => parseSingleParagraph('A: 1\n\nB: 2\n', { source: 'control' })).toThrow(/expected one paragraph, found 2/);
  });
});
