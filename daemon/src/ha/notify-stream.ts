// Bytes read from keepalived's notify FIFO → events. Reads arrive in arbitrary pieces; lines
// are reassembled here, decoded with decodeNotifyLine, and every line that is not an event is
// counted by reason instead of thrown (a FIFO is writable by anything with the permission). Of a
// line longer than MAX_LINE only its last MAX_LINE bytes are kept, so garbage without newlines
// cannot grow memory: an event at its end (keepalived's whole line, written after another
// writer's long unfinished one) is still acted on; the rest of the line is dropped.
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
  /** Past MAX_LINE: the line's last MAX_LINE bytes, nothing before them. */
  private tail: Buffer | undefined;

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
      if (line.overlong) this.decodeOverlong(line.text, events);
      else this.decode(line.text, events);
    }
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.tail !== undefined) {
      this.tail = lastBytes(Buffer.concat([this.tail, piece]));
      return;
    }
    if (this.pendingLength + piece.length > MAX_LINE) {
      this.tail = lastBytes(Buffer.concat([...this.pending, piece]));
      this.pending = [];
      this.pendingLength = 0;
      return;
    }
    this.pending.push(Buffer.from(piece));
    this.pendingLength += piece.length;
  }

  /** The line just ended; for one too long, its last MAX_LINE bytes. */
  private takeLine(): { readonly text: string; readonly overlong: boolean } {
    const tail = this.tail;
    if (tail !== undefined) {
      this.tail = undefined;
      return { text: tail.toString('utf8'), overlong: true };
    }
    const text = Buffer.concat(this.pending, this.pendingLength).toString('utf8');
    this.pending = [];
    this.pendingLength = 0;
    return { text, overlong: false };
  }

  /** A line too long: dropped, but for the event its tail ends with (keepalived's line after another writer's). */
  private decodeOverlong(tail: string, events: NotifyEvent[]): void {
    this.counters.overlong++;
    const result = decodeNotifyLine(tail);
    if (!result.ok) {
      this.onDropped(`a line longer than ${MAX_LINE} bytes was dropped`);
      return;
    }
    this.onDropped(`a line longer than ${MAX_LINE} bytes was dropped before ${result.event.type} "${result.event.name}" ${result.event.state}, which is acted on`);
    this.counters.events++;
    events.push(result.event);
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

function lastBytes(bytes: Buffer): Buffer {
  return bytes.length <= MAX_LINE ? bytes : Buffer.from(bytes.subarray(bytes.length - MAX_LINE));
}
