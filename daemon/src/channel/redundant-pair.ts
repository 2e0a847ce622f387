// Two sync links used as one: frames go out on the active link, frames come in on both (the
// protocol's replay window and sequence numbers drop the copies), heartbeats go out on both so
// each link's health is visible. The active link is abandoned when a send on it fails, when no
// authentic frame arrived on it for `deadAfterMs` while the other link still carries them, or
// when one peer (of `peerAddresses`) is no longer heard on it, or says it hears nothing there,
// while that peer is heard on the other link. Hearing a link says nothing of the way back: a
// node's heartbeats on a link it hears nothing on carry FLAG_DEAF, so that a peer whose frames
// there are lost (a one-way failure, a link down on that peer alone with a third node still on
// it) moves too, instead of sending into the dead link for good. A peer with no address on link 1
// ([sync2] lists fewer peers) is reached on link 0 whichever link is active, and has no say in
// which link is.
// A move goes only to a link that plausibly works (an authentic frame on it within deadAfterMs,
// no send error on it as long): with both links down every send fails, and moving on each would
// toggle the pair on every frame. Moves are at least `minSwitchIntervalMs` apart, and reported
// (onSwitch, the daemon's log) at most once per `reportEveryMs`, with the count of moves since.
// Model: conntrack-tools' multichannel (src/multichannel.c) and its link failover.
import type { Clock, TimerHandle } from '../sync/clock.js';
import { FLAG_DEAF } from '../wire/frame-header.js';
import type { Channel, ChannelErrorHandler, FrameHandler } from './channel.js';

export interface RedundantPairOptions {
  readonly clock: Clock;
  readonly links: readonly [Channel, Channel];
  /** Each peer's address on link 0 and on link 1, so a targeted frame follows the active link. */
  readonly peerAddresses?: readonly (readonly [string, string])[];
  readonly deadAfterMs: number;
  /** Between two moves of the active link; deadAfterMs by default. */
  readonly minSwitchIntervalMs?: number;
  /** Between two reports of a move; 30 s by default. */
  readonly reportEveryMs?: number;
  /**
   * Told when the active link changes, and why (the daemon logs it): the first move at once,
   * later ones at most once per `reportEveryMs`; `unreported` counts the moves since the last
   * report that were not told (a move back included), so `to` is the link active now.
   */
  readonly onSwitch?: (to: 0 | 1, reason: string, unreported: number) => void;
}

export interface LinkStatus {
  readonly active: boolean;
  readonly silentForMs: number;
  readonly sendErrors: number;
}

export class RedundantPair implements Channel {
  private activeLink: 0 | 1 = 0;
  private readonly lastAuthentic: [number, number];
  /** Per link: when each source address was last heard there, and last said it hears nothing there. */
  private readonly heard: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  private readonly deaf: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  private readonly sendErrors: [number, number] = [0, 0];
  private readonly lastSendError: [number, number] = [-Infinity, -Infinity];
  private switchCount = 0;
  private lastSwitch = -Infinity;
  private lastReport = -Infinity;
  private unreported: { count: number; reason: string } | undefined;
  /** Peers with an address on link 0 only ([sync2] lists fewer peers): reached there whatever link is active. */
  private readonly singleLink: ReadonlySet<string>;
  private handler: FrameHandler | undefined;
  private readonly errorHandlers: ChannelErrorHandler[] = [];
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly options: RedundantPairOptions) {
    const now = options.clock.now();
    this.lastAuthentic = [now, now];
    this.singleLink = new Set((options.peerAddresses ?? []).filter(([zero, one]) => zero === one).map(([zero]) => zero));
    options.links.forEach((link, n) => {
      const index = n as 0 | 1;
      link.onMessage((frame, from) => {
        const authentic = this.handler?.(frame, from, index) === true;
        if (authentic) {
          const now = this.options.clock.now();
          this.lastAuthentic[index] = now;
          this.heard[index].set(from, now);
          // the flags byte is authenticated with the rest of the header (frame-header.ts)
          if (((frame[3] ?? 0) & FLAG_DEAF) !== 0) this.deaf[index].set(from, now);
          else this.deaf[index].delete(from);
        }
        return authentic;
      });
      link.onError((error) => this.linkError(index, error));
    });
    this.schedule();
  }

  get active(): 0 | 1 {
    return this.activeLink;
  }

  get switches(): number {
    return this.switchCount;
  }

  links(): [LinkStatus, LinkStatus] {
    const now = this.options.clock.now();
    const status = (index: 0 | 1): LinkStatus => ({
      active: this.activeLink === index,
      silentForMs: now - this.lastAuthentic[index],
      sendErrors: this.sendErrors[index],
    });
    return [status(0), status(1)];
  }

  send(frame: Uint8Array, peer?: string): void {
    const zero = this.options.links[0];
    if (peer !== undefined && this.singleLink.has(peer)) {
      zero.send(frame, peer);
      return;
    }
    const active = this.activeLink;
    this.options.links[active].send(frame, peer === undefined ? undefined : this.onLink(peer, active));
    // link 1's peers are [sync2]'s: a peer on link 0 alone still gets every frame there
    if (peer === undefined && active === 1) for (const only of this.singleLink) zero.send(frame, only);
  }

  sendOnEveryLink(makeFrame: (flags: number) => Uint8Array): void {
    const now = this.options.clock.now();
    this.options.links.forEach((link, n) => {
      const hears = now - this.lastAuthentic[n as 0 | 1] <= this.options.deadAfterMs;
      link.sendOnEveryLink((flags) => makeFrame(flags | (hears ? 0 : FLAG_DEAF)));
    });
  }

  onMessage(handler: FrameHandler): void {
    this.handler = handler;
  }

  onError(handler: ChannelErrorHandler): void {
    this.errorHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    await Promise.all(this.options.links.map((link) => link.close()));
  }

  private onLink(peer: string, link: 0 | 1): string {
    const pair = this.options.peerAddresses?.find((addresses) => addresses[0] === peer || addresses[1] === peer);
    return pair === undefined ? peer : pair[link];
  }

  private linkError(index: 0 | 1, error: Error): void {
    this.sendErrors[index]++;
    this.lastSendError[index] = this.options.clock.now();
    for (const handler of this.errorHandlers) handler(error);
    const other = index === 0 ? 1 : 0;
    // a failed send says the active link is bad, not that the other is good
    if (index === this.activeLink && this.plausiblyAlive(other)) this.switchTo(other, `a send on it failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`);
  }

  /** An authentic frame on `link` within deadAfterMs, and no send error on it as long. */
  private plausiblyAlive(link: 0 | 1): boolean {
    const now = this.options.clock.now();
    return now - this.lastAuthentic[link] <= this.options.deadAfterMs && now - this.lastSendError[link] > this.options.deadAfterMs;
  }

  private check(): void {
    const now = this.options.clock.now();
    const active = this.activeLink;
    const other = active === 0 ? 1 : 0;
    const activeSilent = now - this.lastAuthentic[active];
    const { deadAfterMs } = this.options;
    this.reportLate();
    // only towards a link that still carries frames: a peer gone silent on both (a reboot, a
    // failover test) is no reason to move
    if (!this.plausiblyAlive(other)) return;
    if (activeSilent > deadAfterMs) {
      this.switchTo(other, `no authentic frame on it for ${Math.round(activeSilent)} ms`);
      return;
    }
    const recent = (at: number | undefined): boolean => at !== undefined && now - at <= deadAfterMs;
    for (const addresses of this.options.peerAddresses ?? []) {
      // a peer on link 0 alone is reached there whichever link is active: no vote. Asked on link
      // 1, where it never talks, it would call it dead, and the pair would go back and forth
      // whenever another peer is heard on link 1 only
      if (this.singleLink.has(addresses[0])) continue;
      const [here, there] = [addresses[active], addresses[other]];
      // only a peer heard on the other link, and not deaf there, is a reason to move
      if (!recent(this.heard[other].get(there)) || recent(this.deaf[other].get(there))) continue;
      if (recent(this.deaf[active].get(here))) {
        this.switchTo(other, `peer ${here} hears nothing from this node on it`);
        return;
      }
      if (!recent(this.heard[active].get(here))) {
        this.switchTo(other, `no authentic frame from peer ${here} on it for over ${deadAfterMs} ms`);
        return;
      }
    }
  }

  private switchTo(link: 0 | 1, reason: string): void {
    const now = this.options.clock.now();
    if (link === this.activeLink || now - this.lastSwitch < (this.options.minSwitchIntervalMs ?? this.options.deadAfterMs)) return;
    this.activeLink = link;
    this.switchCount++;
    this.lastSwitch = now;
    if (now - this.lastReport >= (this.options.reportEveryMs ?? 30_000)) this.report(reason, 0);
    else this.unreported = { count: (this.unreported?.count ?? 0) + 1, reason };
  }

  /** Moves not reported yet, once reportEveryMs has passed since the last report. */
  private reportLate(): void {
    if (this.unreported === undefined || this.options.clock.now() - this.lastReport < (this.options.reportEveryMs ?? 30_000)) return;
    this.report(this.unreported.reason, this.unreported.count - 1);
  }

  private report(reason: string, unreported: number): void {
    this.lastReport = this.options.clock.now();
    this.unreported = undefined;
    this.options.onSwitch?.(this.activeLink, reason, unreported);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.check();
      this.schedule();
    }, Math.max(1, this.options.deadAfterMs / 4));
  }
}
