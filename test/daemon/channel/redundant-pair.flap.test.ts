// The redundant pair must not flap: with both links down every send fails and no move helps; a
// peer on link 0 alone ([sync2] lists fewer peers) has no say in which link is active; a pair
// that does move back and forth is reported (the daemon's log) at most once per reportEveryMs,
// with a count. Stub links driven by a FakeClock: frames in and send errors are
// made by the test.
import { describe, expect, it } from 'vitest';
import type { Channel, ChannelErrorHandler, FrameHandler } from '../../../daemon/src/channel/channel.js';
import { RedundantPair } from '../../../daemon/src/channel/redundant-pair.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';

/** A link whose sends fail while `down`, and whose incoming frames the test delivers. */
class StubLink implements Channel {
  down = false;
  private handler: FrameHandler | undefined;
  private readonly errorHandlers: ChannelErrorHandler[] = [];

  send(): void {
    if (!this.down) return;
    const error = Object.assign(new Error('network is unreachable'), { code: 'ENETUNREACH' });
    for (const handler of this.errorHandlers) handler(error);
  }

  sendOnEveryLink(makeFrame: (flags: number) => Uint8Array): void {
    makeFrame(0);
    this.send();
  }

  onMessage(handler: FrameHandler): void {
    this.handler = handler;
  }

  onError(handler: ChannelErrorHandler): void {
    this.errorHandlers.push(handler);
  }

  async close(): Promise<void> {}

  /** An authentic frame from `from` arrives on this link. */
  receive(from: string, index: 0 | 1): void {
    this.handler?.(new Uint8Array(8), from, index);
  }
}

function pairOf(peerAddresses: readonly (readonly [string, string])[]) {
  const clock = new FakeClock();
  const links = [new StubLink(), new StubLink()] as const;
  const reports: { to: 0 | 1; reason: string; unreported: number }[] = [];
  const pair = new RedundantPair({ clock, links, peerAddresses, deadAfterMs: 1000, onSwitch: (to, reason, unreported) => reports.push({ to, reason, unreported }) });
  pair.onMessage(() => true);
  return { clock, links, pair, reports };
}

describe('RedundantPair switching', () => {
  it('does not toggle on every failed send when both links are down', () => {
    const { clock, links, pair, reports } = pairOf([['203.0.113.2', '198.51.100.2']]);
    for (let t = 0; t < 2000; t += 100) {
      links[0].receive('203.0.113.2', 0);
      links[1].receive('198.51.100.2', 1);
      clock.advance(100);
    }
    // this node is cut off: both of its links go down at once, frames go out every 2 ms
    links[0].down = true;
    links[1].down = true;
    for (let t = 0; t < 5000; t += 2) {
      pair.send(new Uint8Array(8));
      if (t % 200 === 0) pair.sendOnEveryLink(() => new Uint8Array(8));
      clock.advance(2);
    }
    // the first failure may move it once (link 1 was heard a moment ago); none after that
    expect(pair.switches).toBeLessThanOrEqual(1);
    expect(reports.length).toBeLessThanOrEqual(1);
    expect(pair.links()[0].sendErrors + pair.links()[1].sendErrors).toBeGreaterThan(2000);
  });

  it('moves on a failed send to a link that works', () => {
    const { clock, links, pair, reports } = pairOf([['203.0.113.2', '198.51.100.2']]);
    links[0].receive('203.0.113.2', 0);
    links[1].receive('198.51.100.2', 1);
    clock.advance(100);
    links[0].down = true;
    pair.send(new Uint8Array(8));
    expect(pair.active).toBe(1);
    expect(reports).toEqual([{ to: 1, reason: 'a send on it failed: ENETUNREACH', unreported: 0 }]);
  });

  it('reports a pair that keeps moving at most once per 30 s, counting the moves not reported', () => {
    const { clock, links, pair, reports } = pairOf([['203.0.113.2', '198.51.100.2']]);
    // both links carry the peer's frames, yet a send on whichever is active fails
    for (let t = 0; t < 120_000; t += 100) {
      links[0].receive('203.0.113.2', 0);
      links[1].receive('198.51.100.2', 1);
      links[pair.active].down = true;
      links[pair.active === 0 ? 1 : 0].down = false;
      pair.send(new Uint8Array(8));
      clock.advance(100);
    }
    links[0].down = false;
    links[1].down = false;
    for (let t = 0; t < 40_000; t += 100) {
      links[0].receive('203.0.113.2', 0);
      links[1].receive('198.51.100.2', 1);
      clock.advance(100);
    }
    expect(pair.switches).toBeGreaterThan(20);
    expect(reports.length).toBeLessThanOrEqual(6);
    // every move is in a report, told or counted, and the last report names the link active now
    expect(reports.reduce((sum, r) => sum + 1 + r.unreported, 0)).toBe(pair.switches);
    expect(reports.at(-1)?.to).toBe(pair.active);
  });

  it('settles on link 1 when one peer is heard there only and another is on link 0 alone (from the review)', () => {
    // B on both links, its link 0 broken; C on link 0 only, fine there
    const { clock, links, pair, reports } = pairOf([['203.0.113.2', '198.51.100.2'], ['203.0.113.3', '203.0.113.3']]);
    for (let t = 0; t < 10_000; t += 100) {
      links[0].receive('203.0.113.3', 0);
      links[1].receive('198.51.100.2', 1);
      clock.advance(100);
    }
    expect(pair.switches).toBe(1);
    expect(pair.active).toBe(1);
    expect(reports).toEqual([{ to: 1, reason: 'no authentic frame from peer 203.0.113.2 on it for over 1000 ms', unreported: 0 }]);
  });
});
