// The parts of HTTP/1.1 a static apt repository server needs, as pure functions: byte ranges
// (RFC 9110 §14.1.2, §14.4 Content-Range, §13.1.5 If-Range) and HTTP dates (§5.6.7), which
// apt's http method uses for If-Modified-Since and for resuming partial downloads.

export type RangeAnswer =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

/** Interprets a Range header for a resource of `size` bytes. A header that is not one
 *  well-formed `bytes=` range (several ranges included) is ignored: the whole body is sent. */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'full' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}

/** An HTTP date for a file's mtime (whole seconds, as HTTP dates carry). */
export function httpDate(mtimeMs: number): string {
  return new Date(Math.floor(mtimeMs / 1000) * 1000).toUTCString();
}

/** True when If-Modified-Since says the client's copy is current (RFC 9110 §13.1.3). */
export function notModifiedSince(header: string | undefined, mtimeMs: number): boolean {
  if (header === undefined) return false;
  const since = Date.parse(header);
  return !Number.isNaN(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

/** If-Range with a date: the range applies only if the resource is unchanged since exactly then. */
export function ifRangeHolds(header: string | undefined, mtimeMs: number): boolean {
  if (header === undefined) return true;
  const date = Date.parse(header);
  return !Number.isNaN(date) && date === Math.floor(mtimeMs / 1000) * 1000;
}
