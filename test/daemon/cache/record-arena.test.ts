import { describe, expect, it } from 'vitest';
import { ENTRY_HEADER, RecordArena, type ArenaOwner } from '../../../daemon/src/cache/record-arena.js';

/** An owner that remembers where each slot's bytes are, as the flow cache does. */
class Owner implements ArenaOwner {
  readonly at = new Map<number, { chunk: number; offset: number }>();
  moves = 0;
  asked = 0;
  holds(slot: number, chunk: number, offset: number): boolean {
    this.asked++;
    const place = this.at.get(slot);
    return place !== undefined && place.chunk === chunk && place.offset === offset;
  }
  moved(slot: number, chunk: number, offset: number): void {
    this.moves++;
    this.at.set(slot, { chunk, offset });
  }
}

const bytesOf = (slot: number, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (slot * 31 + i) & 0xff);

function put(arena: RecordArena, owner: Owner, slot: number, length: number): void {
  const old = owner.at.get(slot);
  const bytes = bytesOf(slot, length);
  arena.append(slot, bytes.subarray(0, 4), bytes.subarray(4));
  owner.at.set(slot, { chunk: arena.lastChunk, offset: arena.lastOffset });
  if (old !== undefined) arena.release(old.chunk, old.offset);
  arena.compact();
}

function read(arena: RecordArena, owner: Owner, slot: number, length: number): Uint8Array {
  const place = owner.at.get(slot);
  if (place === undefined) throw new Error(`slot ${slot} has no place`);
  const start = place.offset + ENTRY_HEADER;
  return arena.view(place.chunk, start, start + length);
}

describe('RecordArena', () => {
  it('keeps every live entry readable through churn, and memory near twice the live bytes', () => {
    const owner = new Owner();
    const arena = new RecordArena(owner, 4096);
    const lengths = new Map<number, number>();
    let seed = 7;
    const random = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let round = 0; round < 20_000; round++) {
      const slot = random(300);
      if (lengths.has(slot) && random(4) === 0) {
        const place = owner.at.get(slot) as { chunk: number; offset: number };
        owner.at.delete(slot);
        lengths.delete(slot);
        arena.release(place.chunk, place.offset);
        arena.compact();
        continue;
      }
      const length = 4 + random(200);
      put(arena, owner, slot, length);
      lengths.set(slot, length);
    }
    expect(owner.moves).toBeGreaterThan(0);
    let live = 0;
    for (const [slot, length] of lengths) {
      expect(read(arena, owner, slot, length)).toEqual(bytesOf(slot, length));
      live += ENTRY_HEADER + length;
    }
    // every chunk but the active one is more than half live
    expect(arena.chunkCount).toBeLessThanOrEqual(Math.ceil((2 * live) / 4096) + 1);
  });

  it('never changes bytes a view was given, even after its chunk is let go', () => {
    const owner = new Owner();
    const arena = new RecordArena(owner, 1024);
    for (let slot = 0; slot < 20; slot++) put(arena, owner, slot, 100);
    const held = read(arena, owner, 0, 100);
    const copy = Uint8Array.from(held);
    // replace everything many times: the first chunk is evacuated and dropped
    for (let round = 0; round < 50; round++) for (let slot = 0; slot < 20; slot++) put(arena, owner, slot, 100);
    expect(held).toEqual(copy);
    expect(read(arena, owner, 0, 100)).toEqual(bytesOf(0, 100));
  });

  it('takes an entry larger than a chunk in a chunk of its own', () => {
    const owner = new Owner();
    const arena = new RecordArena(owner, 256);
    put(arena, owner, 1, 1000);
    put(arena, owner, 2, 50);
    expect(read(arena, owner, 1, 1000)).toEqual(bytesOf(1, 1000));
    expect(read(arena, owner, 2, 50)).toEqual(bytesOf(2, 50));
  });
});

describe('RecordArena after a mass delete', () => {
  it('lets an emptied chunk go without asking about its entries', () => {
    const owner = new Owner();
    const arena = new RecordArena(owner, 1024);
    for (let slot = 0; slot < 40; slot++) put(arena, owner, slot, 92); // 10 per chunk
    const chunks = arena.chunkCount;
    // the first 30 slots go (three whole chunks), and only then does the owner compact
    for (let slot = 0; slot < 30; slot++) {
      const place = owner.at.get(slot) as { chunk: number; offset: number };
      owner.at.delete(slot);
      arena.release(place.chunk, place.offset);
    }
    owner.asked = 0;
    arena.compact();
    expect(arena.chunkCount).toBe(chunks - 3);
    expect(owner.asked).toBe(0);
    expect(owner.moves).toBe(0);
    for (let slot = 30; slot < 40; slot++) expect(read(arena, owner, slot, 92)).toEqual(bytesOf(slot, 92));
  });
});

describe('RecordArena when the chunk being filled is mostly garbage', () => {
  it('keeps every entry right when a full chunk is evacuated as the next one starts', () => {
    // a few entries replaced over and over (a flow's state changes in quick succession): the
    // chunk being filled is mostly garbage when it fills up, and is evacuated then
    const owner = new Owner();
    const arena = new RecordArena(owner, 1024);
    const lengths = [40, 41, 42, 43];
    lengths.forEach((length, slot) => put(arena, owner, slot, length));
    for (let round = 0; round < 200; round++) {
      for (let slot = 0; slot < 4; slot++) {
        lengths[slot] = 40 + ((round + slot) % 7);
        put(arena, owner, slot, lengths[slot] as number);
        lengths.forEach((length, other) => expect(read(arena, owner, other, length)).toEqual(bytesOf(other, length)));
      }
    }
    expect(owner.moves).toBeGreaterThan(0);
    expect(arena.chunkCount).toBeLessThanOrEqual(2);
  });
});
