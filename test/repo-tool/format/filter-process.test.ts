import { describe, expect, it } from 'vitest';
import { runFilter } from '../../../repo-tool/src/format/filter-process.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('runFilter', () => {
  it('pipes bytes through a tool', async () => {
    const result = await runFilter('tr', ['a-z', 'A-Z'], bytes('half'));
    expect(result.ok && text(result.output)).toBe('HALF');
  });

  it('passes neither XZ_OPT nor the caller locale to the tool', async () => {
    process.env['XZ_OPT'] = '-9e';
    try {
      const result = await runFilter('sh', ['-c', 'printf "%s|%s" "${XZ_OPT-unset}" "$LC_ALL"'], new Uint8Array(0));
      expect(result.ok && text(result.output)).toBe('unset|C');
    } finally {
      delete process.env['XZ_OPT'];
    }
  });

  it('reports a missing tool, a failing tool (with its stderr) and an oversized output', async () => {
    expect(await runFilter('half-no-such-tool', [], new Uint8Array(0))).toEqual({ ok: false, failure: { kind: 'missing', message: 'half-no-such-tool is not installed' } });
    const failed = await runFilter('sh', ['-c', 'echo broken >&2; exit 3'], new Uint8Array(0));
    expect(failed.ok === false && failed.failure.kind).toBe('failed');
    expect(failed.ok === false && failed.failure.message).toMatch(/exited with 3: broken$/);
    const big = await runFilter('head', ['-c', '100000', '/dev/zero'], new Uint8Array(0), 1000);
    expect(big.ok === false && big.failure.kind).toBe('too-large');
  });

  it('survives a tool that exits without reading its input', async () => {
    const result = await runFilter('true', [], new Uint8Array(1 << 20));
    expect(result.ok).toBe(true);
  });

  it('queues many concurrent runs and completes them all', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => runFilter('cat', [], bytes(`run ${i}`))));
    expect(results.map((r) => r.ok && text(r.output))).toEqual(Array.from({ length: 60 }, (_, i) => `run ${i}`));
  });
});
