// The repeat interval of a NACK (repair-time.ts): nackRetryMs without samples or when repairs are
// quick, srtt + 4 * rttvar when they are slow, capped; doubled by a NACK repeated until a sample.
import { describe, expect, it } from 'vitest';
import { REPEAT_CAP_MS, RepairTime } from '../../../daemon/src/sync/repair-time.js';

describe('RepairTime', () => {
  it('is nackRetryMs without samples, and after sub-millisecond repairs', () => {
    const repair = new RepairTime(40);
    expect(repair.repeatMs()).toBe(40);
    for (let i = 0; i < 20; i++) repair.sample(0.3);
    expect(repair.repeatMs()).toBe(40);
  });

  it('follows RFC 6298: the first sample R gives R + 4 * R/2, later ones smooth it', () => {
    const repair = new RepairTime(10);
    repair.sample(50);
    expect(repair.repeatMs()).toBe(150);
    repair.sample(50); // rttvar 3/4 * 25, srtt 50
    expect(repair.repeatMs()).toBe(50 + 4 * 18.75);
    for (let i = 0; i < 100; i++) repair.sample(126);
    expect(repair.repeatMs()).toBeGreaterThan(126);
    expect(repair.repeatMs()).toBeLessThan(127);
  });

  it('is capped, unless nackRetryMs itself is longer', () => {
    const repair = new RepairTime(40);
    repair.sample(1000);
    expect(repair.repeatMs()).toBe(REPEAT_CAP_MS);
    const slow = new RepairTime(REPEAT_CAP_MS + 100);
    slow.sample(1000);
    expect(slow.repeatMs()).toBe(REPEAT_CAP_MS + 100);
  });

  it('doubles with each NACK repeated, up to the cap, until the next sample or a reset', () => {
    const repair = new RepairTime(40);
    repair.repeated();
    expect(repair.repeatMs()).toBe(80);
    repair.repeated();
    repair.repeated();
    expect(repair.repeatMs()).toBe(REPEAT_CAP_MS);
    repair.sample(0.3);
    expect(repair.repeatMs()).toBe(40);
    repair.sample(100);
    repair.repeated();
    repair.reset();
    expect(repair.repeatMs()).toBe(40);
  });
});
