// Golden bytes for the kernel codec: test/daemon/kernel/codec/golden/<name>.hex holds a hex dump
// (16 bytes a line, reviewable in diffs). UPDATE_GOLDEN=1 rewrites it; otherwise the encoded
// bytes must match exactly.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'codec', 'golden');

export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = Array.from(bytes.subarray(at, at + 16), (b) => b.toString(16).padStart(2, '0'));
    lines.push(`${at.toString(16).padStart(4, '0')}  ${row.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

export function expectGoldenBytes(name: string, actual: Uint8Array): void {
  const path = join(GOLDEN_DIR, `${name}.hex`);
  const text = hexDump(actual);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, text);
    return;
  }
  expect(existsSync(path), `${path} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(text).toBe(readFileSync(path, 'utf8'));
}
