// The first request line of a connection past the limit: the line, or undefined for an overlong
// line, the client's end without one, or the time running out; decided once.
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { awaitFirstRequest } from '../../../daemon/src/control/first-request.js';

function first(feed: (stream: PassThrough) => void, withinMs = 200): Promise<(string | undefined)[]> {
  const stream = new PassThrough();
  const seen: (string | undefined)[] = [];
  awaitFirstRequest(stream as unknown as Socket, { maxBytes: 16, withinMs }, (line) => seen.push(line));
  feed(stream);
  return new Promise((resolve) => setTimeout(() => resolve(seen), withinMs + 50));
}

describe('awaitFirstRequest', () => {
  it('gives the first non-blank line, once', async () => {
    expect(await first((s) => s.write('\n\r\n{"a":1}\n{"b":2}\n'))).toEqual(['{"a":1}']);
  });

  it('gives a last line without its newline when the client ends', async () => {
    expect(await first((s) => s.end('{"a":1}'))).toEqual(['{"a":1}']);
  });

  it('gives undefined for a line over the limit, an end without a line, and silence', async () => {
    expect(await first((s) => s.write('x'.repeat(40)))).toEqual([undefined]);
    expect(await first((s) => s.end())).toEqual([undefined]);
    expect(await first((s) => s.write('{"a"'), 50)).toEqual([undefined]);
  });
});
