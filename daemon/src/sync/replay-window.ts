// Replay protection: a sliding window over a sender's frame counters within one boot epoch
// (RFC 4303 §3.4.3's anti-replay window, with a bitmap ring). A counter is accepted once; counters
// older than the window are refused, since they can no longer be told apart from replays.

export class ReplayWindow {
  private highest = -1;
  private readonly bits: Uint32Array;

  constructor(readonly size: number) {
    this.bits = new Uint32Array(Math.ceil(size / 32));
  }

  /** The highest counter accepted so far (-1: none). */
  get newest(): number {
    return this.highest;
  }

  /** True (and remembered) the first time a counter is seen; false for replays and stale ones. */
  accept(counter: number): boolean {
    if (counter > this.highest) {
      const advance = counter - this.highest;
      if (advance >= this.size) this.bits.fill(0);
      else for (let c = this.highest + 1; c < counter; c++) this.clear(c);
      this.highest = counter;
      this.set(counter);
      return true;
    }
    if (this.highest - counter >= this.size) return false;
    if (this.isSet(counter)) return false;
    this.set(counter);
    return true;
  }

  private index(counter: number): [number, number] {
    const slot = counter % this.size;
    return [slot >>> 5, 1 << (slot & 31)];
  }

  private isSet(counter: number): boolean {
    const [word, mask] = this.index(counter);
    return ((this.bits[word] as number) & mask) !== 0;
  }

  private set(counter: number): void {
    const [word, mask] = this.index(counter);
    this.bits[word] = (this.bits[word] as number) | mask;
  }

  private clear(counter: number): void {
    const [word, mask] = this.index(counter);
    this.bits[word] = (this.bits[word] as number) & ~mask;
  }
}
