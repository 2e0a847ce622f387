// KernelDumper over a raw NETLINK_NETFILTER socket: IPCTNL_MSG_CT_GET / IPCTNL_MSG_EXP_GET with
// NLM_F_DUMP, the multipart answer (NLM_F_MULTI messages ending with NLMSG_DONE) decoded entry by
// entry (bad ones counted, never thrown), filtered, collected. One request at a time per dumper.
// A dump of our own table for a resync goes straight to records (dumpConntrackRecords): each
// entry the scanner can read (nearly all) is written from its attribute bytes as an event's would
// be (scan-record.ts), without a ConntrackEntry in between; the rest is decoded and mapped.
// Also a KernelEntryReader: IPCTNL_MSG_CT_GET of one entry (the answer, then the ACK).
// A request the kernel stops answering (no message of it for `stallMs`), or an answer datagram
// that does not parse, fails that request instead of holding every later one behind it.
import type { FlowRecord } from '../model/record.js';
import type { ConntrackEntry, Expectation, ConntrackIdentity } from './ct-entry.js';
import { decodeConntrackMessage } from './codec/ct-decode.js';
import { encodeDumpRequest, encodeGetRequest } from './codec/ct-encode.js';
import { Cta } from './codec/ctnetlink-attr.js';
import { CtScan } from './codec/ct-scan.js';
import type { DecodeResult } from './codec/decode-result.js';
import { decodeExpectationMessage, encodeExpectationDumpRequest } from './codec/exp-codec.js';
import { attrLengthAt, attrTypeAt, AttrWriter } from './codec/netlink-attr.js';
import { errorCodeOf, MessageCursor, NlMsgType, NlmFlag } from './codec/netlink-message.js';
import { AddressFamily, NFGENMSG_LEN } from './codec/nfnetlink.js';
import { KernelRequestError } from './errors.js';
import type { DumpOptions, DumpResult, KernelDumper, KernelEntryReader } from './kernel-roles.js';
import type { FlowFilter } from './flow-filter.js';
import { NetfilterSocket, type NetfilterSocketOptions } from './netfilter-socket.js';
import { toRecord } from './record-mapping.js';
import { scanRecord } from './scan-record.js';

/** What one dumped message became: an item, an entry the filter rejected, or a reason it did not decode. */
type Taken<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string } | 'filtered';

interface Collector {
  readonly seq: number;
  onMessage(c: MessageCursor): void;
  fail(error: Error): void;
}

const MAX_REPORTED_ERRORS = 5;

const ENOENT = 2;
const EPROTO = 71;
const ETIMEDOUT = 110;
/** How long a request may go without a message of its answer before it fails. */
export const DUMP_STALL_MS = 30_000;

export class NetlinkKernelDumper implements KernelDumper, KernelEntryReader {
  private readonly socket: NetfilterSocket;
  private readonly w = new AttrWriter(256);
  private seq = 1;
  private collector: Collector | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** When a message of the current request's answer last came (performance.now()). */
  private heard = 0;

  constructor(
    options: NetfilterSocketOptions = {},
    private readonly stallMs: number = DUMP_STALL_MS,
  ) {
    this.socket = new NetfilterSocket({ recvBufferSize: 16 * 1024 * 1024, ...options, groups: [] }, {
      datagram: (buf) => this.onDatagram(buf),
      overrun: () => this.collector?.fail(new KernelRequestError('the dump overran the receive buffer', 105, { hint: 'retry the dump' })),
    });
  }

  dumpConntrack(options: DumpOptions = {}): Promise<DumpResult<ConntrackEntry>> {
    return this.dump(options, encodeDumpRequest, filtered(decodeConntrackMessage, (e) => options.filter?.acceptsEntry(e) ?? true));
  }

  dumpConntrackRecords(options: DumpOptions = {}): Promise<DumpResult<FlowRecord>> {
    return this.dump(options, encodeDumpRequest, recordTaker(options.filter));
  }

  dumpExpectations(options: DumpOptions = {}): Promise<DumpResult<Expectation>> {
    return this.dump(options, encodeExpectationDumpRequest, filtered(decodeExpectationMessage, (x) => options.filter?.acceptsExpectation(x) ?? true));
  }

  async countLabelled(options: DumpOptions = {}): Promise<number> {
    const labelled = await this.dump(options, encodeDumpRequest, (buf, start, end): Taken<true> => {
      if (!hasTopAttr(buf, start + NFGENMSG_LEN, end, Cta.labels)) return 'filtered'; // most: nothing decoded
      const decoded = decodeConntrackMessage(buf, start, end);
      if (!decoded.ok) return decoded;
      const e = decoded.value;
      return e.labels !== undefined && e.labels.length > 0 && (options.filter?.acceptsEntry(e) ?? true) ? { ok: true, value: true } : 'filtered';
    });
    return labelled.entries.length;
  }

  getConntrack(key: ConntrackIdentity): Promise<ConntrackEntry | undefined> {
    const job = (): Promise<ConntrackEntry | undefined> =>
      new Promise((resolve, reject) => {
        const seq = this.seq++;
        let found: ConntrackEntry | undefined;
        let problem: string | undefined;
        const end = (settle: () => void): void => {
          this.collector = undefined;
          settle();
        };
        this.collector = {
          seq,
          onMessage: (c) => {
            if (c.type === NlMsgType.error) {
              // too short to hold an errno is no ACK (request-exchange.ts reads it so too)
              const errno = errorCodeOf(c) ?? EPROTO;
              if (errno === 0 && problem !== undefined) end(() => reject(new KernelRequestError(`the kernel's answer to a conntrack get did not decode: ${problem}`, 0)));
              else if (errno === 0 || errno === ENOENT) end(() => resolve(found));
              else end(() => reject(new KernelRequestError(`the kernel refused a conntrack get (errno ${errno})`, errno)));
            } else if (c.type >= NlMsgType.minType) {
              const decoded = decodeConntrackMessage(c.buf, c.payload, c.end);
              if (decoded.ok) found = decoded.value;
              else problem = decoded.error;
            }
          },
          fail: (error) => end(() => reject(error)),
        };
        this.w.reset();
        encodeGetRequest(this.w, key, seq);
        this.watch(seq, 'a conntrack get');
        this.socket.send(this.w.take()).catch((error: Error) => this.collector?.fail(error));
      });
    const result = this.queue.then(job);
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.socket.close();
  }

  private dump<T>(
    options: DumpOptions,
    encode: (w: AttrWriter, seq: number, family: number) => void,
    take: (buf: Buffer, start: number, end: number) => Taken<T>,
  ): Promise<DumpResult<T>> {
    const job = (): Promise<DumpResult<T>> =>
      new Promise((resolve, reject) => {
        const seq = this.seq++;
        const result = { entries: [] as T[], filtered: 0, undecodable: 0, errors: [] as string[], interrupted: false };
        this.collector = {
          seq,
          onMessage: (c) => {
            if ((c.flags & NlmFlag.dumpInterrupted) !== 0) result.interrupted = true;
            if (c.type === NlMsgType.done) {
              this.collector = undefined;
              // a DONE carries the dump callback's error, if it failed (netlink_dump): the dump is not whole
              const errno = errorCodeOf(c) ?? 0;
              if (errno > 0) reject(new KernelRequestError(`the kernel's dump ended with errno ${errno}`, errno));
              else resolve(result);
            } else if (c.type === NlMsgType.error) {
              const errno = errorCodeOf(c) ?? EPROTO;
              if (errno === 0) return;
              this.collector = undefined;
              reject(new KernelRequestError(`the kernel refused the dump (errno ${errno})`, errno));
            } else if (c.type >= NlMsgType.minType) {
              const taken = take(c.buf, c.payload, c.end);
              if (taken === 'filtered') result.filtered++;
              else if (taken.ok) result.entries.push(taken.value);
              else {
                result.undecodable++;
                if (result.errors.length < MAX_REPORTED_ERRORS) result.errors.push(taken.error);
              }
            }
          },
          fail: (error) => {
            this.collector = undefined;
            reject(error);
          },
        };
        this.w.reset();
        const family = options.family === 'ipv4' ? AddressFamily.inet : options.family === 'ipv6' ? AddressFamily.inet6 : AddressFamily.unspec;
        encode(this.w, seq, family);
        this.watch(seq, 'a dump');
        this.socket.send(this.w.take()).catch((error: Error) => this.collector?.fail(error));
      });
    const result = this.queue.then(job);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private onDatagram(buf: Buffer): void {
    const c = new MessageCursor(buf);
    while (c.next()) {
      const collector = this.collector;
      if (collector === undefined || c.seq !== collector.seq) continue;
      this.heard = performance.now();
      collector.onMessage(c);
    }
    // the rest of the datagram is lost: it may have held the end of the answer
    if (c.error !== undefined) this.collector?.fail(new KernelRequestError(`an answer of the kernel did not parse: ${c.error}`, 0, { hint: 'retry' }));
  }

  /** Fails request `seq` once no message of its answer came for stallMs. */
  private watch(seq: number, what: string): void {
    this.heard = performance.now();
    const check = (): void => {
      if (this.collector?.seq !== seq) return;
      const quiet = performance.now() - this.heard;
      if (quiet >= this.stallMs) {
        this.collector.fail(new KernelRequestError(`the kernel did not answer ${what} for ${Math.round(quiet / 1000)} s`, ETIMEDOUT, { hint: 'retry; if it keeps happening, see the kernel log' }));
      } else setTimeout(check, this.stallMs - quiet).unref();
    };
    setTimeout(check, this.stallMs).unref();
  }
}

/** Whether the attributes from `at` to `end` hold one of `type` (at the top level). */
function hasTopAttr(buf: Buffer, at: number, end: number, type: number): boolean {
  for (let len = attrLengthAt(buf, at, end); len > 0; len = attrLengthAt(buf, at, end)) {
    if (attrTypeAt(buf, at) === type) return true;
    at += (len + 3) & ~3;
  }
  return false;
}

/** Decoded messages, those `accepts` rejects counted as filtered. */
function filtered<T>(decode: (buf: Buffer, start: number, end: number) => DecodeResult<T>, accepts: (value: T) => boolean): (buf: Buffer, start: number, end: number) => Taken<T> {
  return (buf, start, end) => {
    const decoded = decode(buf, start, end);
    return decoded.ok && !accepts(decoded.value) ? 'filtered' : decoded;
  };
}

/** Records of dumped conntrack messages: scanned where the scanner can, else decoded and mapped. */
function recordTaker(filter: FlowFilter | undefined): (buf: Buffer, start: number, end: number) => Taken<FlowRecord> {
  const scan = new CtScan();
  return (buf, start, end) => {
    if (scan.message(buf, start, end)) return filter === undefined || filter.acceptsScan(scan) ? { ok: true, value: scanRecord(scan) } : 'filtered';
    const decoded = decodeConntrackMessage(buf, start, end);
    if (!decoded.ok) return decoded;
    if (filter !== undefined && !filter.acceptsEntry(decoded.value)) return 'filtered';
    try {
      return { ok: true, value: toRecord(decoded.value) };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  };
}
