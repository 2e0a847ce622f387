// Golden files: compared byte for byte; UPDATE_GOLDEN=1 rewrites them (review the diff).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { expect } from 'vitest';

export async function expectGolden(path: string, actual: string | Uint8Array): Promise<void> {
  const bytes = typeof actual === 'string' ? Buffer.from(actual, 'utf8') : Buffer.from(actual);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(path)) {
    if (process.env['UPDATE_GOLDEN'] !== '1') throw new Error(`golden file ${path} is missing: run with UPDATE_GOLDEN=1 and review it`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    return;
  }
  const expected = await readFile(path);
  expect(bytes.toString('utf8')).toBe(expected.toString('utf8'));
  expect(Buffer.compare(bytes, expected)).toBe(0);
}
