// Member layout rules in isolation (read-deb.test.ts covers them through whole packages).
import { describe, expect, it } from 'vitest';
import { debLayout } from '../../../repo-tool/src/deb/deb-layout.js';
import type { ArEntry } from '../../../repo-tool/src/format/ar.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';

const entry = (name: string, body = ''): ArEntry => ({ name, mtime: 0, mode: 0o100644, offset: 0, data: new TextEncoder().encode(body) });

describe('debLayout', () => {
  it('accepts a later 2.x format and uncompressed members', () => {
    const layout = debLayout([entry('debian-binary', '2.1\n'), entry('control.tar'), entry('data.tar')], 'p.deb');
    expect(layout.formatVersion).toBe('2.1');
    expect([layout.control.compression, layout.data.compression]).toEqual(['none', 'none']);
    expect(layout.signed.map((s) => s.byteLength)).toEqual([4, 0, 0]);
  });

  it('refuses a second control member and a repeated debian-binary', () => {
    expect(() => debLayout([entry('debian-binary', '2.0\n'), entry('control.tar.gz'), entry('control.tar.xz'), entry('data.tar')], 'p.deb')).toThrow(/a second control member "control\.tar\.xz"/);
    expect(() => debLayout([entry('debian-binary', '2.0\n'), entry('debian-binary', '2.0\n')], 'p.deb')).toThrow(PackageFormatError);
  });
});
