import { describe, expect, it } from 'vitest';
import { httpDate, ifRangeHolds, notModifiedSince, parseRange } from '../helpers/http-range.js';

describe('parseRange', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-9', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=90-', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=90-1000', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-10', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-1000', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=9-0', { kind: 'full' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
  ])('%s on 100 bytes → %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });

  it('has nothing to give from an empty file', () => {
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('HTTP dates', () => {
  const mtime = Date.UTC(2026, 10, 26, 5, 0, 7, 640);
  it('drops the milliseconds HTTP dates cannot carry', () => {
    expect(httpDate(mtime)).toBe('Thu, 26 Nov 2026 05:00:07 GMT');
  });
  it('answers If-Modified-Since', () => {
    expect(notModifiedSince(undefined, mtime)).toBe(false);
    expect(notModifiedSince('Thu, 26 Nov 2026 05:00:07 GMT', mtime)).toBe(true);
    expect(notModifiedSince('Thu, 26 Nov 2026 05:00:08 GMT', mtime)).toBe(true);
    expect(notModifiedSince('Thu, 26 Nov 2026 05:00:06 GMT', mtime)).toBe(false);
    expect(notModifiedSince('yesterday', mtime)).toBe(false);
  });
  it('answers If-Range with an exact date only', () => {
    expect(ifRangeHolds(undefined, mtime)).toBe(true);
    expect(ifRangeHolds('Thu, 26 Nov 2026 05:00:07 GMT', mtime)).toBe(true);
    expect(ifRangeHolds('Thu, 26 Nov 2026 05:00:08 GMT', mtime)).toBe(false);
    expect(ifRangeHolds('"an-etag"', mtime)).toBe(false);
  });
});
