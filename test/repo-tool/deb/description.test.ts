// Description folding (Policy §5.6.13); dpkg-deb's reading of the result is checked in
// build-deb.test.ts (--info of every fixture), lintian's in lintian.test.ts.
import { describe, expect, it } from 'vitest';
import { DESCRIPTION_WIDTH, foldDescription, foldExtendedDescription } from '../../../repo-tool/src/deb/description.js';

describe('foldDescription', () => {
  it('is the synopsis alone without a long description', () => {
    expect(foldDescription({ synopsis: 'short' })).toBe('short');
  });

  it('writes text lines with one space, blank lines as " .", verbatim lines with two spaces', () => {
    expect(foldExtendedDescription('First line.\n\n  verbatim  spaced\nnext')).toEqual([' First line.', ' .', '   verbatim  spaced', ' next']);
  });

  it('drops leading and trailing blank lines and trailing spaces', () => {
    expect(foldExtendedDescription('\n\ntext   \n\n\n')).toEqual([' text']);
    expect(foldExtendedDescription('a\r\n\r\nb')).toEqual([' a', ' .', ' b']);
  });

  it('wraps long text lines at word boundaries within the width, never verbatim lines', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const lines = foldExtendedDescription(`${words}\n ${words}`);
    const text = lines.slice(0, -1);
    expect(text.length).toBeGreaterThan(2);
    for (const line of text) expect(line.length).toBeLessThanOrEqual(DESCRIPTION_WIDTH);
    expect(text.map((l) => l.slice(1)).join(' ')).toBe(words);
    expect(lines.at(-1)).toBe(`  ${words}`);
  });

  it('never begins a wrapped line with a word starting with "." (" ." is an empty line)', () => {
    const text = 'The daemon replicates conntrack entries over the dedicated sync link, see man . Then .conf files';
    const lines = foldExtendedDescription(text);
    expect(lines.every((l) => !l.startsWith(' .'))).toBe(true);
    expect(lines.map((l) => l.slice(1)).join(' ')).toBe(text);
    expect(lines[0]).toBe(' The daemon replicates conntrack entries over the dedicated sync link, see man .');
  });

  it('keeps a word longer than the width on its own line', () => {
    const long = 'x'.repeat(120);
    expect(foldExtendedDescription(`a ${long} b`)).toEqual([' a', ` ${long}`, ' b']);
  });

  it('joins synopsis and lines with "\\n" (the Paragraph value form)', () => {
    expect(foldDescription({ synopsis: 's', long: 'a\n\nb' })).toBe('s\n a\n .\n b');
  });
});
