// How long a receiver waits before it NACKs a still-missing frame again: in the spirit of TCP's
// retransmission timer (RFC 6298), from the time this sender's resends take to arrive. A sample
// is the time from a NACK to the arrival of a frame it asked for (gap-tracker.ts measures it,
// only for frames NACKed exactly once: Karn's rule, a frame asked for twice cannot tell which
// NACK its resend answers). The repeat interval is srtt + 4 * rttvar, never below nackRetryMs
// (a short clean link keeps nackRetryMs) nor above REPEAT_CAP_MS (a resend lost in turn is
// still asked for again promptly). Without samples it is nackRetryMs.
//
// Karn's rule alone never learns a repair time longer than the current interval: every frame
// lost is asked for again before its resend can arrive, so none is a sample. As TCP does
// (RFC 6298 section 5.5), a NACK repeated doubles the interval (up to the cap) until a sample
// comes; on a long link the frames lost next are then asked for once and timed.

/** The longest wait before a NACK is repeated, whatever the samples (unless nackRetryMs is longer). */
export const REPEAT_CAP_MS = 300;

export class RepairTime {
  private srtt: number | undefined;
  private rttvar = 0;
  /** Doubles with every NACK repeated, back to 1 with the next sample. */
  private backoff = 1;

  constructor(private readonly floorMs: number) {}

  /** A frame NACKed once arrived `ms` after its NACK. */
  sample(ms: number): void {
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      // RFC 6298 section 2.3: beta = 1/4, alpha = 1/8, rttvar from the old srtt
      this.rttvar = (3 / 4) * this.rttvar + (1 / 4) * Math.abs(this.srtt - ms);
      this.srtt = (7 / 8) * this.srtt + (1 / 8) * ms;
    }
    this.backoff = 1;
  }

  /** A NACK asked again for a frame it had asked for before: its resend took longer, or was lost. */
  repeated(): void {
    if (this.base() * this.backoff < REPEAT_CAP_MS) this.backoff *= 2;
  }

  /** How long after its last NACK a frame still missing is NACKed again. */
  repeatMs(): number {
    return Math.max(this.floorMs, Math.min(REPEAT_CAP_MS, this.base() * this.backoff));
  }

  reset(): void {
    this.srtt = undefined;
    this.rttvar = 0;
    this.backoff = 1;
  }

  private base(): number {
    return this.srtt === undefined ? this.floorMs : Math.max(this.floorMs, this.srtt + 4 * this.rttvar);
  }
}
