// Decompression for verify: .gz with zlib, .xz with the `xz` binary (as apt would decode them).
import { spawn } from 'node:child_process';
import { gunzipSync } from 'node:zlib';

export function xzDecompress(data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(new Uint8Array(Buffer.concat(out))) : reject(new Error(`xz -d failed: ${Buffer.concat(err).toString().trim()}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(data);
  });
}

/** Decompresses by file name suffix (.gz, .xz); other names are returned as they are. */
export async function decompressByName(path: string, data: Uint8Array): Promise<Uint8Array> {
  if (path.endsWith('.gz')) return new Uint8Array(gunzipSync(data));
  if (path.endsWith('.xz')) return xzDecompress(data);
  return data;
}
