// A static HTTP server on 127.0.0.1 for apt clients in tests (follows the tree's symlinks,
// logs every request path).
import { readFile, realpath } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, sep } from 'node:path';

export interface StaticServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function serveDirectory(root: string): Promise<StaticServer> {
  const base = await realpath(root);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    void (async () => {
      try {
        const file = await realpath(join(base, path));
        if (!file.startsWith(base + sep)) throw new Error('outside');
        const body = await readFile(file);
        res.writeHead(200, { 'content-length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        res.writeHead(404);
        res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
