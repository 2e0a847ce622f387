import { describe, expect, it } from 'vitest';
import { planCollection } from '../../../repo-tool/src/publish/collect.js';

const HOUR = 3600_000;

describe('planCollection', () => {
  const base = { byHashRetention: 2 * 24 * 3600, poolGrace: 3600, currentByHash: new Set(['bh/current']) };

  it('starts the clock when a file stops being listed, and removes it once its time is up', () => {
    const first = planCollection({ ...base, retired: {}, now: 0, existingByHash: ['bh/current', 'bh/old'], unreferencedPool: ['pool/a.deb'] });
    expect(first).toEqual({ retired: { 'bh/old': 0, 'pool/a.deb': 0 }, byHash: [], pool: [] });
    const later = planCollection({ ...base, retired: first.retired, now: HOUR, existingByHash: ['bh/current', 'bh/old'], unreferencedPool: ['pool/a.deb'] });
    expect(later).toEqual({ retired: { 'bh/old': 0 }, byHash: [], pool: ['pool/a.deb'] });
    const end = planCollection({ ...base, retired: later.retired, now: 48 * HOUR, existingByHash: ['bh/current', 'bh/old'], unreferencedPool: [] });
    expect(end).toEqual({ retired: {}, byHash: ['bh/old'], pool: [] });
  });

  it('forgets the clock of a file that is listed again', () => {
    const result = planCollection({ ...base, retired: { 'bh/current': 0, 'pool/b.deb': 0 }, now: 10 * HOUR, existingByHash: ['bh/current'], unreferencedPool: [] });
    expect(result.retired).toEqual({});
    expect(result.byHash).toEqual([]);
  });
});
