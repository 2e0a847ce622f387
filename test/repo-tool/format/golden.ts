// Golden files: expected bytes checked in under test/repo-tool/format/golden/. Run the tests
// with UPDATE_GOLDEN=1 to rewrite them, then review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

const DIR = new URL('./golden/', import.meta.url);

export function expectGolden(name: string, actual: Uint8Array): void {
  const file = new URL(name, DIR);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${name} is missing: run the test with UPDATE_GOLDEN=1 and review it`);
  expect(Buffer.from(actual).equals(readFileSync(file)), `bytes differ from golden/${name} (UPDATE_GOLDEN=1 rewrites it)`).toBe(true);
}
