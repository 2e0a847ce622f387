import { describe, expect, it } from 'vitest';
import { Prng } from '../../../daemon/src/channel/prng.js';
import { CloseMemory } from '../../../daemon/src/sync/close-memory.js';

const hash = (first: number, second = first ^ 0x5a5a5a5a) => ({ first: first >>> 0, second: second >>> 0 });

describe('CloseMemory', () => {
  it('tells when a remembered connection closed, and nothing of others', () => {
    const memory = new CloseMemory(16, 1000);
    memory.note(hash(1), 10);
    memory.note(hash(2), 20);
    expect(memory.closedAt(hash(1), 30)).toBe(10);
    expect(memory.closedAt(hash(2), 30)).toBe(20);
    expect(memory.closedAt(hash(3), 30)).toBeUndefined();
    expect(memory.closedAt(hash(1, 7), 30), 'same first hash, another second').toBeUndefined();
    expect(memory.size).toBe(2);
  });

  it('forgets the oldest close once full, and a close noted again counts from its latest time', () => {
    const memory = new CloseMemory(4, 1000);
    for (const id of [1, 2, 3]) memory.note(hash(id), id);
    memory.note(hash(1), 4); // 1 again: now the latest; its first close's slot stays, dead
    expect(memory.size).toBe(3);
    memory.note(hash(5), 5); // the ring is full: its oldest slot (1's dead one) goes, 1 stays
    expect(memory.closedAt(hash(1), 5)).toBe(4);
    expect(memory.size).toBe(4);
    memory.note(hash(6), 6); // then 2 goes
    expect(memory.closedAt(hash(2), 6)).toBeUndefined();
    expect([3, 1, 5, 6].map((id) => memory.closedAt(hash(id), 6))).toEqual([3, 4, 5, 6]);
    expect(memory.size).toBe(4);
  });

  it('forgets closes older than its age, whether or not closes follow', () => {
    const memory = new CloseMemory(16, 100);
    memory.note(hash(1), 0);
    memory.note(hash(2), 50);
    expect(memory.closedAt(hash(1), 100)).toBe(0);
    expect(memory.closedAt(hash(1), 101), 'too old, though still in the ring').toBeUndefined();
    memory.note(hash(3), 120);
    expect(memory.size, 'the note forgot the close of 1').toBe(2);
    expect(memory.closedAt(hash(2), 120)).toBe(50);
  });

  it('keeps every close, in order, across its growth', () => {
    const memory = new CloseMemory(3000, 1e9);
    for (let id = 0; id < 5000; id++) memory.note(hash(id), id);
    expect(memory.size).toBe(3000);
    expect(memory.closedAt(hash(1999), 5000)).toBeUndefined();
    for (let id = 2000; id < 5000; id++) expect(memory.closedAt(hash(id), 5000)).toBe(id);
    memory.clear();
    expect(memory.size).toBe(0);
    expect(memory.closedAt(hash(4999), 5000)).toBeUndefined();
    memory.note(hash(4999), 6000);
    expect(memory.closedAt(hash(4999), 6000)).toBe(6000);
  });

  it('answers as a plain ordered model does, under colliding hashes, repeats, age and wraparound', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const prng = new Prng(seed);
      const max = [7, 64, 1000][seed % 3] as number;
      const maxAge = 500;
      const memory = new CloseMemory(max, maxAge);
      // the model: every close in order (the ring), and each key's latest
      const ring: { key: string; at: number }[] = [];
      const latest = new Map<string, number>();
      const forgetOldest = () => {
        const oldest = ring.shift() as { key: string; at: number };
        if (latest.get(oldest.key) === oldest.at && !ring.some((c) => c.key === oldest.key)) latest.delete(oldest.key);
      };
      let now = 0;
      // first hashes from a small range: many keys probe past each other, and deletions shift them back
      const keyOf = (i: number) => hash(i % 37, Math.floor(i / 37));
      for (let step = 0; step < 20_000; step++) {
        now += prng.below(3);
        const i = prng.below(3 * max);
        const h = keyOf(i);
        if (prng.below(3) === 0) {
          const at = latest.get(`${h.first}/${h.second}`);
          expect(memory.closedAt(h, now), `seed ${seed} step ${step}`).toBe(at !== undefined && now - at <= maxAge ? at : undefined);
          continue;
        }
        while (ring.length > 0 && now - (ring[0] as { at: number }).at > maxAge) forgetOldest();
        if (ring.length === max) forgetOldest();
        ring.push({ key: `${h.first}/${h.second}`, at: now });
        latest.set(`${h.first}/${h.second}`, now);
        memory.note(h, now);
        expect(memory.size, `seed ${seed} step ${step}`).toBe(latest.size);
      }
    }
  });
});
