// Requests from the main thread to the event socket keeper thread (event-socket-keeper-main.ts)
// and its answers, through shared memory: the keeper sleeps in Atomics.wait (it must never return
// to its event loop), so it cannot read messages. One request at a time: the main thread writes
// it, bumps the request counter and sleeps until the answer counter reaches it; each side's
// message is [u32 LE length][JSON] in its own area. A keeper's work per request is a few system
// calls, so the main thread blocks for microseconds.

export type KeeperRequest =
  | { readonly op: 'open'; readonly recvBufferSize?: number }
  | { readonly op: 'join' | 'leave'; readonly port: number; readonly groups: readonly number[] }
  | { readonly op: 'close'; readonly port: number };

export type KeeperResult =
  | { readonly ok: true; readonly port?: number; readonly recvBufferSize?: number }
  | { readonly ok: false; readonly message: string; readonly errno?: number; readonly hint?: string };

export interface KeeperData {
  /** Int32 [0]: requests made, [1]: requests answered. */
  readonly control: SharedArrayBuffer;
  readonly request: SharedArrayBuffer;
  readonly answer: SharedArrayBuffer;
}

const AREA_BYTES = 4096;
const REQUESTS = 0;
const ANSWERS = 1;

export function keeperData(): KeeperData {
  return { control: new SharedArrayBuffer(8), request: new SharedArrayBuffer(AREA_BYTES), answer: new SharedArrayBuffer(AREA_BYTES) };
}

function write(area: Buffer, message: unknown): void {
  const json = Buffer.from(JSON.stringify(message));
  if (json.length + 4 > area.length) throw new RangeError(`keeper message of ${json.length} bytes does not fit in ${area.length - 4}`);
  area.writeUInt32LE(json.length, 0);
  json.copy(area, 4);
}

function read<T>(area: Buffer): T {
  return JSON.parse(area.toString('utf8', 4, 4 + area.readUInt32LE(0))) as T;
}

/** Both ends of the channel (each side uses its half). */
export class KeeperChannel {
  private readonly control: Int32Array;
  private readonly request: Buffer;
  private readonly answerArea: Buffer;
  private served = 0;

  constructor(data: KeeperData) {
    this.control = new Int32Array(data.control);
    this.request = Buffer.from(data.request);
    this.answerArea = Buffer.from(data.answer);
  }

  /** Main thread: sends `req` and sleeps until it is answered; undefined after `timeoutMs`. */
  call(req: KeeperRequest, timeoutMs: number): KeeperResult | undefined {
    write(this.request, req);
    const seq = Atomics.add(this.control, REQUESTS, 1) + 1;
    Atomics.notify(this.control, REQUESTS);
    const until = performance.now() + timeoutMs;
    for (;;) {
      const answered = Atomics.load(this.control, ANSWERS);
      if (answered === seq) return read<KeeperResult>(this.answerArea);
      const left = until - performance.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.control, ANSWERS, answered, left);
    }
  }

  /** Keeper: sleeps until the next request. */
  nextRequest(): KeeperRequest {
    for (;;) {
      Atomics.wait(this.control, REQUESTS, this.served);
      const seq = Atomics.load(this.control, REQUESTS);
      if (seq !== this.served) {
        this.served = seq;
        return read<KeeperRequest>(this.request);
      }
    }
  }

  /** Keeper: answers the request it got last. */
  answer(result: KeeperResult): void {
    write(this.answerArea, result);
    Atomics.store(this.control, ANSWERS, this.served);
    Atomics.notify(this.control, ANSWERS);
  }
}
