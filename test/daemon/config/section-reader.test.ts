// Typed reads of one section: lists, suggestions and unknown keys.
import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../../daemon/src/config/config-error.js';
import { nearest, SectionReader, splitList } from '../../../daemon/src/config/section-reader.js';

describe('splitList', () => {
  it('splits on spaces and commas', () => {
    expect(splitList(' a, b  c,,d ')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitList('')).toEqual([]);
  });
});

describe('nearest', () => {
  it('suggests close words only', () => {
    expect(nearest('priorty', ['id', 'priority', 'role'])).toBe('priority');
    expect(nearest('interfce', ['interface', 'address'])).toBe('interface');
    expect(nearest('zzzzzz', ['id', 'priority', 'role'])).toBeUndefined();
  });
});

describe('SectionReader', () => {
  it('reports keys nobody read, on their lines', () => {
    const problems = new ProblemList('f');
    const reader = new SectionReader('daemon', { name: 'daemon', line: 4, entries: [{ key: 'mode', name: 'mode', value: 'direct', line: 5 }, { key: 'mdoe', name: 'mdoe', value: 'x', line: 6 }] }, problems);
    expect(reader.choice('mode', ['direct', 'external-cache'] as const, 'external-cache')).toBe('direct');
    reader.reportUnknown();
    expect(problems.items).toEqual([{ file: 'f', line: 6, key: 'daemon.mdoe', message: 'is not a known key', fix: 'did you mean mode?' }]);
  });

  it('refuses control characters (NUL included) and shell syntax in a path, naming the character', () => {
    const cases: [string, string][] = [
      ['/etc/half/k;touch${IFS}/tmp/x;#', '";", which sh reads as syntax'],
      ['/etc/half/$(id).key', '"$", which sh reads as syntax'],
      ['/etc/half/a`b`', '"`", which sh reads as syntax'],
      ['/etc/half/a|b', '"|", which sh reads as syntax'],
      ['/etc/half/a&b', '"&", which sh reads as syntax'],
      ['/etc/half/a>b', '">", which sh reads as syntax'],
      ['/etc/half/*.key', '"*", which sh reads as syntax'],
      ['/etc/half/a\u0000b', 'the control character \\x00'],
      ['/etc/half/a\u001bb', 'the control character \\x1b'],
      ['/etc/half/a\u0085b', 'the control character \\x85'],
      ['/etc/half/cluster.key\u200b', 'the invisible character U+200B'],
      ['/etc/half/\u202eyek.retsulc', 'the invisible character U+202E'],
      ['/run/half/half.sock\u2060', 'the invisible character U+2060'],
    ];
    for (const [value, what] of cases) {
      const problems = new ProblemList('f');
      const section = { name: 'sync', line: 1, entries: [{ key: 'key-file', name: 'key-file', value, line: 2 }] };
      expect(new SectionReader('sync', section, problems).path('key-file', '/etc/half/cluster.key')).toBeUndefined();
      expect(problems.items).toEqual([
        { file: 'f', line: 2, key: 'sync.key-file', message: `"${value}" has ${what}`, fix: 'write a plain path (letters, digits and _ . / + - @ : , = %) such as /etc/half/cluster.key' },
      ]);
    }
    // a letter beyond ASCII, '#' and '~' inside a word are no shell syntax
    const problems = new ProblemList('f');
    const section = { name: 'sync', line: 1, entries: [{ key: 'key-file', name: 'key-file', value: '/etc/half/clé#2~.key', line: 2 }] };
    expect(new SectionReader('sync', section, problems).path('key-file', '/etc/half/cluster.key')).toBe('/etc/half/clé#2~.key');
  });

  it('reads a missing optional key as its default without a problem', () => {
    const problems = new ProblemList('f');
    const reader = new SectionReader('vrrp', undefined, problems);
    expect(reader.int('router-id', 1, 255, 51, 'fix')).toBe(51);
    expect(reader.seconds('advert-interval', 0.01, 40.95, 2, 1, 'fix')).toBe(1);
    expect(reader.bool('preempt', true)).toBe(true);
    expect(reader.path('notify-fifo', '/run/half/keepalived.fifo')).toBe('/run/half/keepalived.fifo');
    expect(problems.empty).toBe(true);
  });
});
