// A static file server for repositories under test, bound to 127.0.0.1 on an ephemeral port.
// Apt inside a chroot reaches it at the same URL (the chroot shares the host's network
// namespace). GET and HEAD; Content-Length, Last-Modified and If-Modified-Since (304),
// single byte ranges with If-Range (206/416: apt resumes partial files); symlinks are followed
// only while they stay inside the served directory; no directory listings.
//
//   const server = await serveDirectory(publicDir);
//   afterAll(() => server.close());
//   … apt-get update against server.url …
//   expect(server.requests.filter((r) => r.status >= 400)).toEqual([]);
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, posix, sep } from 'node:path';
import { httpDate, ifRangeHolds, notModifiedSince, parseRange } from './http-range.js';

export interface ServedRequest {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly path: string;
  readonly status: number;
  /** The Range header, when there was one. */
  readonly range: string | undefined;
}

export interface DirectoryServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every answered request, in order of completion. */
  readonly requests: readonly ServedRequest[];
  close(): Promise<void>;
}

export async function serveDirectory(dir: string): Promise<DirectoryServer> {
  const root = await realpath(dir);
  const requests: ServedRequest[] = [];
  const server = createServer((req, res) => {
    res.on('finish', () =>
      requests.push({ method: req.method ?? '', path: req.url ?? '', status: res.statusCode, range: req.headers.range }),
    );
    answer(root, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`internal error: ${(error as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

async function answer(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
  const file = await resolveFile(root, req.url ?? '/');
  if (file === 'bad') return plain(res, 400, 'bad request path');
  const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (file === undefined || info === undefined || !info.isFile()) return plain(res, 404, 'not found');

  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Last-Modified': httpDate(info.mtimeMs),
    'Accept-Ranges': 'bytes',
  };
  if (notModifiedSince(req.headers['if-modified-since'], info.mtimeMs)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const ifRange = req.headers['if-range'];
  const range = ifRangeHolds(Array.isArray(ifRange) ? ifRange[0] : ifRange, info.mtimeMs) ? parseRange(req.headers.range, info.size) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') return plain(res, 416, 'range not satisfiable', { 'Content-Range': `bytes */${info.size}` });
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, info.size - 1];
  if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`;
  headers['Content-Length'] = end - start + 1;
  res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
  if (req.method === 'HEAD' || end < start) {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file, { start, end });
    stream.once('error', reject);
    res.once('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}

/** The real path of the requested file if it lies inside root; undefined if it does not exist
 *  or leaves root; 'bad' for an undecodable target. */
async function resolveFile(root: string, target: string): Promise<string | undefined | 'bad'> {
  let decoded: string;
  try {
    decoded = decodeURIComponent((target.split('?')[0] ?? '').split('#')[0] ?? '');
  } catch {
    return 'bad';
  }
  if (decoded.includes('\0') || !decoded.startsWith('/')) return 'bad';
  const candidate = join(root, posix.normalize(decoded));
  const real = await realpath(candidate).catch(() => undefined);
  if (real === undefined || (real !== root && !real.startsWith(root + sep))) return undefined;
  return real;
}

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  const body = `${text}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
