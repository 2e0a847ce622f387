// The connections a node's own table closed, with when: the last `max` closes, none older than
// `maxAgeMs`, oldest forgotten first. Kept in typed arrays: a ring of closes in the order they
// came (each a key's two 32-bit hashes and the time) and an open-addressing index of the ring by
// key (linear probing, at most half full, deletion by backward shift: no tombstones). A close of
// a connection already remembered moves it to the ring's end; its older slot stays behind as
// dead and is skipped when the ring forgets it. The ring grows by doubling up to `max`.
//
// A Map of numbers did this before: on a flush of 200k connections its deletes and sets were
// some 6 % of the sender's CPU (every key a heap number), and 256k of them held ~15 MiB; this
// holds 24 bytes a slot, 6 MiB at 256k (docs/benchmarks.md).
import type { KeyHash } from '../cache/key-hash.js';

const FIRST_CAPACITY = 1024;

export class CloseMemory {
  private capacity = 0;
  private firsts = new Uint32Array(0);
  private seconds = new Uint32Array(0);
  private ats = new Float64Array(0);
  /** Ring slot + 1 of each remembered key, 0: empty; a power of two, at least 2 x capacity long. */
  private index = new Int32Array(0);
  private mask = 0;
  /** Ring positions, counted from the first close ever (slot = position % capacity). */
  private head = 0;
  private tail = 0;
  private live = 0;

  /** `max` at least 1. */
  constructor(
    private readonly max: number,
    private readonly maxAgeMs: number,
  ) {
    if (!(max >= 1)) throw new RangeError(`CloseMemory: max must be at least 1, not ${max}`);
  }

  /** Connections remembered now (a close noted again counts once). */
  get size(): number {
    return this.live;
  }

  /** Remembers that the connection of `hash` closed at `now`, forgetting what is too old or too many. */
  note(hash: KeyHash, now: number): void {
    while (this.head < this.tail && now - (this.ats[this.head % this.capacity] as number) > this.maxAgeMs) this.forgetOldest();
    if (this.tail - this.head === this.capacity) {
      if (this.capacity < this.max) this.grow();
      else this.forgetOldest();
    }
    const slot = this.tail % this.capacity;
    this.firsts[slot] = hash.first;
    this.seconds[slot] = hash.second;
    this.ats[slot] = now;
    this.tail++;
    const at = this.find(hash.first, hash.second);
    if (this.index[at] === 0) this.live++;
    this.index[at] = slot + 1;
  }

  /** When the connection of `hash` closed, if remembered and not older than maxAgeMs at `now`. */
  closedAt(hash: KeyHash, now: number): number | undefined {
    if (this.live === 0) return undefined;
    const entry = this.index[this.find(hash.first, hash.second)] as number;
    if (entry === 0) return undefined;
    const at = this.ats[entry - 1] as number;
    return now - at <= this.maxAgeMs ? at : undefined;
  }

  /** Forgets every close (the memory is kept for the next ones). */
  clear(): void {
    this.index.fill(0);
    this.head = this.tail = this.live = 0;
  }

  /** The index position of the key: where it is, or the empty position where it would go. */
  private find(first: number, second: number): number {
    let at = first & this.mask;
    for (;;) {
      const entry = this.index[at] as number;
      if (entry === 0 || (this.firsts[entry - 1] === first && this.seconds[entry - 1] === second)) return at;
      at = (at + 1) & this.mask;
    }
  }

  /** Drops the ring's oldest slot; its key leaves the index unless a later close of it is there. */
  private forgetOldest(): void {
    const slot = this.head % this.capacity;
    this.head++;
    const at = this.find(this.firsts[slot] as number, this.seconds[slot] as number);
    if (this.index[at] === slot + 1) {
      this.unlink(at);
      this.live--;
    }
  }

  /** Empties index position `hole`, moving back the entries after it that probed past it. */
  private unlink(hole: number): void {
    let at = hole;
    for (;;) {
      at = (at + 1) & this.mask;
      const entry = this.index[at] as number;
      if (entry === 0) break;
      const home = (this.firsts[entry - 1] as number) & this.mask;
      // the entry stays unless its home is cyclically outside (hole, at]
      const stays = hole <= at ? home > hole && home <= at : home > hole || home <= at;
      if (stays) continue;
      this.index[hole] = entry;
      hole = at;
    }
    this.index[hole] = 0;
  }

  /** Doubles the ring (up to max), keeping the closes in order, and rebuilds the index. */
  private grow(): void {
    const capacity = Math.min(this.max, Math.max(FIRST_CAPACITY, this.capacity * 2));
    const firsts = new Uint32Array(capacity);
    const seconds = new Uint32Array(capacity);
    const ats = new Float64Array(capacity);
    const count = this.tail - this.head;
    for (let i = 0; i < count; i++) {
      const from = (this.head + i) % this.capacity;
      firsts[i] = this.firsts[from] as number;
      seconds[i] = this.seconds[from] as number;
      ats[i] = this.ats[from] as number;
    }
    const old = { index: this.index, capacity: this.capacity, head: this.head };
    this.firsts = firsts;
    this.seconds = seconds;
    this.ats = ats;
    this.capacity = capacity;
    const size = 2 ** Math.ceil(Math.log2(2 * capacity));
    this.index = new Int32Array(size);
    this.mask = size - 1;
    this.head = 0;
    this.tail = count;
    // only the live slot of each key goes back into the index; dead ones stay in the ring
    for (const entry of old.index) {
      if (entry === 0) continue;
      const slot = (entry - 1 - (old.head % old.capacity) + old.capacity) % old.capacity;
      this.index[this.find(firsts[slot] as number, seconds[slot] as number)] = slot + 1;
    }
  }
}
