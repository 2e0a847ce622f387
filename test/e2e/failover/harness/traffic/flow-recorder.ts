// One flow's record inside a traffic process: what was sent, every echo that came back intact,
// and what went wrong; `toRecord()` is what the result file holds.
import type { FlowKind } from './frame.js';
import type { FlowRecord } from './results.js';

/** Epoch milliseconds with sub-millisecond precision (the processes share the host's clock). */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export class FlowRecorder {
  readonly echoes: number[] = [];
  sent = 0;
  readonly badEchoes: { at: number; what: string }[] = [];
  duplicates = 0;
  readonly errors: { at: number; what: string }[] = [];
  localPort = 0;

  constructor(
    readonly flowId: number,
    readonly kind: FlowKind,
    readonly host: string,
    readonly collides: boolean,
  ) {}

  echo(at: number): void {
    this.echoes.push(Math.round(at * 100) / 100);
  }

  /** An echo that did not match what was sent (`what`: how). */
  bad(at: number, what: string): void {
    if (this.badEchoes.length < 100) this.badEchoes.push({ at, what });
  }

  error(what: string): void {
    this.errors.push({ at: now(), what });
  }

  /** True when the last echo is younger than `windowMs`. */
  isLive(at: number, windowMs: number): boolean {
    const last = this.echoes[this.echoes.length - 1];
    return last !== undefined && at - last <= windowMs;
  }

  toRecord(): FlowRecord {
    return {
      flowId: this.flowId,
      kind: this.kind,
      host: this.host,
      localPort: this.localPort,
      collides: this.collides,
      echoes: this.echoes,
      sent: this.sent,
      badEchoes: this.badEchoes,
      duplicates: this.duplicates,
      errors: this.errors,
    };
  }
}
