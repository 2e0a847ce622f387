// Runs the real dpkg-deb on package bytes (written to a temporary file).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function withDebFile<T>(bytes: Uint8Array, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'half-deb-file-'));
  try {
    const path = join(dir, 'package.deb');
    await writeFile(path, bytes);
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `dpkg-deb <args...> package.deb` output, in the C locale. */
export async function dpkgDeb(bytes: Uint8Array, ...args: string[]): Promise<string> {
  return withDebFile(bytes, async (path) => (await run('dpkg-deb', [...args, path], { env: { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' }, maxBuffer: 64 * 1024 * 1024 })).stdout);
}

/** `dpkg-deb --field package.deb [fields...]`. */
export async function dpkgDebField(bytes: Uint8Array, ...fields: string[]): Promise<string> {
  return withDebFile(bytes, async (path) => (await run('dpkg-deb', ['--field', path, ...fields], { env: { ...process.env, LC_ALL: 'C.UTF-8' } })).stdout);
}

/** dpkg-deb --info without the line giving the archive sizes (which depend on compression). */
export async function infoWithoutSizes(bytes: Uint8Array): Promise<string> {
  return (await dpkgDeb(bytes, '--info')).replace(/^ size \d+ bytes: control archive=\d+ bytes\.$/m, ' size (elided)');
}
