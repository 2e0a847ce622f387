import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory, type DirectoryServer } from '../helpers/http-server.js';
import { requireTool, run } from '../helpers/tools.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: the path is sent exactly as given (no client-side dot-segment removal). */
function send(server: DirectoryServer, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let base: string;
let server: DirectoryServer;
const content = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const mtime = new Date('2026-11-20T10:00:00Z');

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'half-http-'));
  const root = join(base, 'public');
  await mkdir(join(root, 'dists/stable'), { recursive: true });
  await writeFile(join(root, 'dists/stable/Release'), content);
  await utimes(join(root, 'dists/stable/Release'), mtime, mtime);
  await writeFile(join(root, 'empty'), '');
  await writeFile(join(base, 'secret'), 'outside the root\n');
  await symlink('stable', join(root, 'dists/bookworm')); // inside: followed
  await symlink('../secret', join(root, 'escape')); // outside: refused
  await symlink(join(base, 'secret'), join(root, 'escape-absolute'));
  server = await serveDirectory(root);
});
afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

describe('serveDirectory', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves files with Content-Length and Last-Modified, and answers HEAD without a body', async () => {
    const get = await send(server, '/dists/stable/Release');
    expect(get.status).toBe(200);
    expect(get.body.equals(content)).toBe(true);
    expect(get.headers['content-length']).toBe('1000');
    expect(get.headers['last-modified']).toBe('Fri, 20 Nov 2026 10:00:00 GMT');
    const head = await send(server, '/dists/stable/Release', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1000');
    expect(head.body.length).toBe(0);
    const empty = await send(server, '/empty');
    expect([empty.status, empty.headers['content-length'], empty.body.length]).toEqual([200, '0', 0]);
  });

  it('follows symlinks inside the root and never outside', async () => {
    expect((await send(server, '/dists/bookworm/Release')).body.equals(content)).toBe(true);
    for (const path of ['/escape', '/escape-absolute', '/../secret', '/%2e%2e/secret', '/dists/..%2f..%2fsecret', '/dists']) {
      const reply = await send(server, path);
      expect(reply.status, path).toBe(404);
      expect(reply.body.toString()).not.toContain('outside the root');
    }
    expect((await send(server, '/%E0%A4%A')).status).toBe(400);
    expect((await send(server, '/missing/file')).status).toBe(404);
  });

  it('answers If-Modified-Since with 304 when the file is unchanged', async () => {
    expect((await send(server, '/dists/stable/Release', { 'If-Modified-Since': 'Fri, 20 Nov 2026 10:00:00 GMT' })).status).toBe(304);
    expect((await send(server, '/dists/stable/Release', { 'If-Modified-Since': 'Fri, 20 Nov 2026 09:59:59 GMT' })).status).toBe(200);
  });

  it('serves byte ranges, honouring If-Range', async () => {
    const part = await send(server, '/dists/stable/Release', { Range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 100-199/1000');
    expect(part.body.equals(content.subarray(100, 200))).toBe(true);
    const stale = await send(server, '/dists/stable/Release', { Range: 'bytes=100-', 'If-Range': 'Fri, 20 Nov 2026 09:00:00 GMT' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(1000);
    const beyond = await send(server, '/dists/stable/Release', { Range: 'bytes=1000-' });
    expect([beyond.status, beyond.headers['content-range']]).toEqual([416, 'bytes */1000']);
  });

  it('lets curl resume a partial download', async () => {
    requireTool('curl');
    const out = join(base, 'resumed');
    await writeFile(out, content.subarray(0, 400));
    const curl = await run('curl', ['--silent', '--show-error', '--fail', '--continue-at', '-', '--output', out, `${server.url}/dists/stable/Release`]);
    expect(curl.exitCode, curl.stderr).toBe(0);
    expect((await readFile(out)).equals(content)).toBe(true);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', status: 206, range: 'bytes=400-' });
  });

  it('refuses other methods and logs every request', async () => {
    const before = server.requests.length;
    expect((await send(server, '/dists/stable/Release', {}, 'PUT')).status).toBe(405);
    expect(server.requests.slice(before)).toEqual([{ method: 'PUT', path: '/dists/stable/Release', status: 405, range: undefined }]);
  });
});
