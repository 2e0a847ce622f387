// Line reassembly with a bound: lines split across chunks, CRLF, several lines per chunk, and
// an overlong line reported once and skipped up to its newline without holding its bytes.
import { describe, expect, it } from 'vitest';
import { LineReader } from '../../../daemon/src/control/line-reader.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('LineReader', () => {
  it('reassembles lines across chunks, several per chunk, CRLF trimmed', () => {
    const reader = new LineReader(100);
    expect(reader.push(bytes('{"a"'))).toEqual([]);
    expect(reader.buffered).toBe(4);
    expect(reader.push(bytes(':1}\r\nsecond\nthi'))).toEqual([{ line: '{"a":1}' }, { line: 'second' }]);
    expect(reader.push(bytes('rd\n\n'))).toEqual([{ line: 'third' }, { line: '' }]);
    expect(reader.buffered).toBe(0);
  });

  it('keeps a UTF-8 character split between chunks whole', () => {
    const reader = new LineReader(100);
    const all = bytes('né\n');
    expect(reader.push(all.subarray(0, 2))).toEqual([]);
    expect(reader.push(all.subarray(2))).toEqual([{ line: 'né' }]);
  });

  it('reports an overlong line once, drops it up to its newline, and goes on', () => {
    const reader = new LineReader(10);
    expect(reader.push(bytes('0123456789'))).toEqual([]);
    expect(reader.push(bytes('X'))).toEqual([{ overlong: true }]);
    expect(reader.buffered).toBe(0);
    expect(reader.push(bytes('y'.repeat(10_000)))).toEqual([]);
    expect(reader.buffered).toBe(0);
    expect(reader.push(bytes('zz\nok\n'))).toEqual([{ line: 'ok' }]);
  });

  it('accepts a line of exactly the limit', () => {
    const reader = new LineReader(10);
    expect(reader.push(bytes('0123456789\n'))).toEqual([{ line: '0123456789' }]);
  });
});
