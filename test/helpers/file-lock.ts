// An exclusive lock between test processes (vitest runs test files in parallel forks), held
// by flock(1) on a lock file: the kernel releases it when the holder dies, even by SIGKILL,
// so a crashed build never leaves a stale lock behind.
//
//   await withFileLock(`${cacheDir}/bookworm.lock`, async () => { /* build, then rename */ });
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { requireTool } from './tools.js';

export async function withFileLock<T>(lockPath: string, body: () => Promise<T>): Promise<T> {
  const flock = requireTool('flock');
  await mkdir(dirname(lockPath), { recursive: true });
  // flock takes the lock, then runs `cat`, which holds it until our end of the pipe closes.
  const holder = spawn(flock, ['--exclusive', lockPath, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => holder.once('close', resolve));
  let stderr = '';
  holder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    void exited.then((code) => reject(new Error(`cannot lock ${lockPath}: flock exited with ${code}: ${stderr.trim()}`)));
  });
  try {
    return await body();
  } finally {
    holder.stdin.end();
    await exited;
  }
}
