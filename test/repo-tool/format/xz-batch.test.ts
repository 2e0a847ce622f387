// Batched xz compression gives exactly the bytes of compressing each member alone with the real
// xz, whatever the batch sizes and dictionary sizes, and fails every job clearly.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { xzArguments } from '../../../repo-tool/src/format/compression.js';
import { BATCH_MEMBER_LIMIT, xzCompress } from '../../../repo-tool/src/format/xz-batch.js';
import { ToolError } from '../../../repo-tool/src/model/errors.js';

function xzAlone(data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('xz', ['--stdout', ...xzArguments(data.byteLength)], { encoding: 'buffer', maxBuffer: 1 << 26, env: { PATH: process.env['PATH'] } }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin?.end(data);
  });
}

function member(i: number, size: number): Uint8Array {
  return new Uint8Array(size).map((_, j) => (j % 97 === 0 ? i : (j * 31 + i) % 251));
}

describe('xzCompress', () => {
  it('gives the same bytes as one xz per member, for 150 members of mixed dictionary sizes at once', async () => {
    const inputs = Array.from({ length: 150 }, (_, i) => member(i, [10, 3000, 5000, 20_000, 70_000][i % 5] as number));
    const batched = await Promise.all(inputs.map((data) => xzCompress(data, xzArguments(data.byteLength))));
    for (let i = 0; i < inputs.length; i += 7) expect(Buffer.from(batched[i] as Uint8Array).equals(await xzAlone(inputs[i] as Uint8Array)), `member ${i}`).toBe(true);
  });

  it('gives the same bytes for one member alone and above the batch limit', async () => {
    for (const data of [member(1, 100), member(2, BATCH_MEMBER_LIMIT + 1)]) {
      expect(Buffer.from(await xzCompress(data, xzArguments(data.byteLength))).equals(await xzAlone(data))).toBe(true);
    }
  });

  it('rejects every job of a batch with a ToolError when xz is missing', async () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      const jobs = Array.from({ length: 5 }, (_, i) => xzCompress(member(i, 100), xzArguments(100)).catch((e: unknown) => e));
      for (const error of await Promise.all(jobs)) {
        expect(error).toBeInstanceOf(ToolError);
        expect((error as ToolError).hint).toMatch(/apt-get install xz-utils/);
      }
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
