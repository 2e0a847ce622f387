// Checked-in golden files under test/repo-tool/sign/golden/; UPDATE_GOLDEN=1 rewrites them.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

export async function expectGolden(name: string, actual: string | Uint8Array): Promise<void> {
  const path = join(GOLDEN_DIR, name);
  const bytes = typeof actual === 'string' ? Buffer.from(actual, 'utf8') : Buffer.from(actual);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    await mkdir(GOLDEN_DIR, { recursive: true });
    await writeFile(path, bytes);
    return;
  }
  const expected = await readFile(path).catch(() => {
    throw new Error(`golden file ${path} is missing: run with UPDATE_GOLDEN=1 and review the diff`);
  });
  if (typeof actual === 'string') expect(actual).toBe(expected.toString('utf8'));
  else expect(bytes.equals(expected), `${name} differs from its golden file`).toBe(true);
}
