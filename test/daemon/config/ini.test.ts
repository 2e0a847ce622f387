// half.conf syntax: sections, keys, comments, and every syntax problem reported with its line.
import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../../daemon/src/config/config-error.js';
import { parseIni } from '../../../daemon/src/config/ini.js';

describe('parseIni', () => {
  // Trimming is linear: with a regex trim, such a line took 15 s (no time is asserted here; the
  // run only shows it).
  it('reads lines with 80,000 inner spaces', () => {
    const problems = new ProblemList('t.conf');
    const spaces = ' '.repeat(80_000);
    const text = `[node]\n#${spaces}x\nname = a${spaces}b${spaces}\n`;
    expect(parseIni(text, problems)).toEqual([{ name: 'node', line: 1, entries: [{ key: 'name', name: 'name', value: `a${spaces}b`, line: 3 }] }]);
    expect(problems.items).toEqual([]);
  });

  it('reads sections, keys and values, dropping comments', () => {
    const problems = new ProblemList('t.conf');
    const text = '# top comment\n; another\n[Node]\nid = 1\r\n  Role=primary  \n\n[sync]   # the link\npeers = 203.0.113.2  # halftwo\nkey-file = /etc/half/a#b\n[vips] ; moving\nenP2p1s0 = 192.0.2.254/24\n';
    expect(parseIni(text, problems)).toEqual([
      { name: 'node', line: 3, entries: [{ key: 'id', name: 'id', value: '1', line: 4 }, { key: 'role', name: 'Role', value: 'primary', line: 5 }] },
      { name: 'sync', line: 7, entries: [{ key: 'peers', name: 'peers', value: '203.0.113.2', line: 8 }, { key: 'key-file', name: 'key-file', value: '/etc/half/a#b', line: 9 }] },
      { name: 'vips', line: 10, entries: [{ key: 'enp2p1s0', name: 'enP2p1s0', value: '192.0.2.254/24', line: 11 }] },
    ]);
    expect(problems.items).toEqual([]);
  });

  it('drops a comment that holds a line separator or a lone CR (half.conf(5): all after " #" is a comment)', () => {
    const problems = new ProblemList('t.conf');
    const text = '[sync]\npeers = 203.0.113.2 # halftwo\u2028x\naddress = 203.0.113.1 # a\rb\n';
    expect(parseIni(text, problems)).toEqual([
      { name: 'sync', line: 1, entries: [{ key: 'peers', name: 'peers', value: '203.0.113.2', line: 2 }, { key: 'address', name: 'address', value: '203.0.113.1', line: 3 }] },
    ]);
    expect(problems.items).toEqual([]);
  });

  it('refuses a malformed header and leaves the keys below it out of the previous section', () => {
    const problems = new ProblemList('t.conf');
    const text = ['[node]', 'id = 1', '[sync] halfone link', 'interface = sync0', '[filter', 'ignore = 10.0.0.0/8', '[vips]', 'lan0 = 192.0.2.254/24'].join('\n');
    const sections = parseIni(text, problems);
    expect(sections.map((s) => [s.name, s.entries.map((e) => e.key)])).toEqual([['node', ['id']], ['vips', ['lan0']]]);
    expect(problems.items.map((p) => [p.line, p.message])).toEqual([
      [3, '"[sync] halfone link" is not a section header: a header is [name] alone on its line'],
      [5, '"[filter" is not a section header: a header is [name] alone on its line'],
    ]);
    expect(problems.items[0]?.fix).toBe('write the header as [name], e.g. [sync]; anything after it goes in a comment (  # ...)');
  });

  it('reports every syntax problem with its line, and goes on', () => {
    const problems = new ProblemList('t.conf');
    const text = ['stray = 1', '[node]', 'id = 1', 'id = 2', 'just words', '[node]', 'priority = 5', '[sync]', 'x = = y'].join('\n');
    const sections = parseIni(text, problems);
    expect(sections.map((s) => s.name)).toEqual(['node', 'sync']);
    expect(sections[0]?.entries).toEqual([{ key: 'id', name: 'id', value: '1', line: 3 }]);
    expect(problems.items.map((p) => [p.line, p.key, p.message])).toEqual([
      [1, 'stray', '"stray" comes before any [section]'],
      [4, 'node.id', 'set twice (first on line 3)'],
      [5, undefined, '"just words" is neither "[section]" nor "key = value"'],
      [6, '[node]', 'section [node] appears again (first on line 2)'],
    ]);
    expect(sections[1]?.entries).toEqual([{ key: 'x', name: 'x', value: '= y', line: 9 }]);
    expect(problems.items.every((p) => p.fix.length > 0 && p.file === 't.conf')).toBe(true);
  });

  it('takes a byte order mark at the start, and refuses any other non-ASCII space outside a comment, naming it', () => {
    const problems = new ProblemList('t.conf');
    const text = [
      '\uFEFF[node]',
      'id = 1\u00A0# no-break space before the comment',
      'role = backup # a comment may hold\u00A0anything',
      '\u00A0priority = 50',
      '[sync]\u2003',
      'peers = 203.0.113.2\uFEFF',
      '# \u00A0 in a comment line is fine',
      'port = 3781', // under the header refused: left out, not taken for [node]'s
    ].join('\n');
    const sections = parseIni(text, problems);
    expect(sections.map((s) => [s.name, s.entries.map((e) => [e.key, e.value])])).toEqual([['node', [['role', 'backup']]]]);
    expect(problems.items.map((p) => [p.line, p.message])).toEqual([
      [2, 'has a no-break space (U+00A0) outside a comment, which shell readers of half.conf do not take for a space'],
      [4, 'has a no-break space (U+00A0) outside a comment, which shell readers of half.conf do not take for a space'],
      [5, 'has the space character U+2003 outside a comment, which shell readers of half.conf do not take for a space'],
      [6, 'has a byte order mark (U+FEFF) after the start of the file outside a comment, which shell readers of half.conf do not take for a space'],
    ]);
    expect(problems.items[0]?.fix).toBe('replace it with an ordinary space, or delete it');
  });
});
