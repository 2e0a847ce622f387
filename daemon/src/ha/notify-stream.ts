// Bytes read from keepalived's notify FIFO → events. Reads arrive in arbitrary pieces; lines
// are reassembled here, decoded with decodeNotifyLine, and every line that is not an event is
// counted by reason instead of thrown (a FIFO is writable by anything with the permission). A
// line longer than MAX_LINE is dropped whole, so garbage without newlines cannot grow memory.
import { visible } from '../config/config-error.js';
import { decodeNotifyLine, type NotifyEvent } from './notify-event.js';

export const MAX_LINE = 1024;

export interface NotifyStreamCounters {
  /** Lines decoded into events. */
  events: number;
  /** Well-formed lines HALF does not act on (checker lines). */
  ignored: number;
  /** Lines that did not decode. */
  malformed: number;
  /** Lines dropped for exceeding MAX_LINE bytes. */
  overlong: number;
}

export class NotifyStreamDecoder {
  readonly counters: NotifyStreamCounters = { events: 0, ignored: 0, malformed: 0, overlong: 0 };
  /** The last malformed line's reason, for `half status`. */
  lastProblem: string | undefined;

  /** `onDropped`: told each line dropped (malformed or overlong), with why. */
  constructor(private readonly onDropped: (reason: string) => void = () => undefined) {}
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private discarding = false;

  /** Feeds bytes; returns the events completed by them, in order. Never throws. */
  push(chunk: Uint8Array): NotifyEvent[] {
    const events: NotifyEvent[] = [];
    let start = 0;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (;;) {
      const newline = bytes.indexOf(0x0a, start);
      if (newline < 0) {
        this.keep(bytes.subarray(start));
        return events;
      }
      this.keep(bytes.subarray(start, newline));
      start = newline + 1;
      const line = this.takeLine();
      if (line !== undefined) this.decode(line, events);
    }
  }

  private keep(piece: Buffer): void {
    if (this.discarding || piece.length === 0) return;
    if (this.pendingLength + piece.length > MAX_LINE) {
      this.discarding = true;
      this.pending = [];
      this.pendingLength = 0;
      return;
    }
    this.pending.push(Buffer.from(piece));
    this.pendingLength += piece.length;
  }

  private takeLine(): string | undefined {
    if (this.discarding) {
      this.discarding = false;
      this.counters.overlong++;
      this.onDropped(`a line longer than ${MAX_LINE} bytes was dropped`);
      return undefined;
    }
    const line = Buffer.concat(this.pending, this.pendingLength).toString('utf8');
    this.pending = [];
    this.pendingLength = 0;
    return line;
  }

  private decode(line: string, events: NotifyEvent[]): void {
    const result = decodeNotifyLine(line);
    if (result.ok) {
      if (result.fragment !== undefined) {
        this.counters.malformed++;
        this.lastProblem = 'an unfinished line from another writer';
        this.onDropped(`an unfinished line from another writer was dropped before ${result.event.type} "${result.event.name}" ${result.event.state}: ${printable(result.fragment)}`);
      }
      this.counters.events++;
      events.push(result.event);
    } else if (result.ignored) {
      this.counters.ignored++;
    } else {
      this.counters.malformed++;
      this.lastProblem = result.reason;
      this.onDropped(`a line was dropped: ${result.reason}: ${printable(line)}`);
    }
  }
}

/** The start of a line as a log may show it: quoted, control characters escaped, at most 80 characters shown. */
export function printable(text: string): string {
  return `"${visible(text.slice(0, 80).replace(/["\\]/g, '\\$&'))}${text.length > 80 ? '…' : ''}"`;
}
