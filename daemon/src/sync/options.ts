// Tunables of the sync protocol, with defaults and validation. Invalid values are configuration
// errors naming the option and the accepted range.
import { ConfigError } from '../errors.js';
import { FRAME_OVERHEAD } from '../wire/frame-header.js';

export interface SyncOptions {
  /** Link MTU of the sync interface. */
  readonly mtu: number;
  /** IP version of the sync link (its header size is subtracted from the MTU). */
  readonly ipVersion: 4 | 6;
  /** Unacknowledged data frames kept for resending; overflow triggers a targeted resync. */
  readonly resendQueueFrames: number;
  /** Out-of-order data frames a receiver buffers per peer. */
  readonly reorderWindowFrames: number;
  /** Frames of a sender a receiver tolerates out of order before calling them replays. */
  readonly replayWindowFrames: number;
  /** A receiver acknowledges after this many frames... */
  readonly ackEveryFrames: number;
  /** ...or this long after the first unacknowledged one. */
  readonly ackDelayMs: number;
  /**
   * Shortest time before a frame still missing is NACKed again; longer on a link whose resends
   * take longer to arrive (repair-time.ts).
   */
  readonly nackRetryMs: number;
  readonly aliveIntervalMs: number;
  /** A sender with unacknowledged frames sends an ALIVE (last sequence) after this much silence. */
  readonly probeMs: number;
  /** A peer silent this long is considered gone (it no longer holds the resend queue). */
  readonly peerTimeoutMs: number;
  readonly joinRetryMs: number;
  /** Pace of bulk resyncs, in records per second. */
  readonly resyncRecordsPerSecond: number;
  /** Bulk resyncs only add frames while the resend queue is below this fraction of its size. */
  readonly resyncQueueShare: number;
  readonly antiEntropyIntervalMs: number;
  /**
   * How long records may wait to share a datagram; 0: until the current turn of the event loop
   * ends (every change the kernel handed over in one read shares datagrams, none waits longer).
   */
  readonly flushDelayMs: number;
  /** Period of the protocol's housekeeping timer. */
  readonly tickMs: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  mtu: 1500,
  ipVersion: 6,
  resendQueueFrames: 8192,
  reorderWindowFrames: 4096,
  replayWindowFrames: 8192,
  ackEveryFrames: 32,
  ackDelayMs: 20,
  nackRetryMs: 40,
  aliveIntervalMs: 250,
  probeMs: 50,
  peerTimeoutMs: 3000,
  joinRetryMs: 300,
  resyncRecordsPerSecond: 200_000,
  resyncQueueShare: 0.5,
  antiEntropyIntervalMs: 2000,
  flushDelayMs: 0,
  tickMs: 10,
};

const UDP_HEADER_BYTES = 8;

/** The largest datagram payload: MTU minus the IP and UDP headers. */
export function maxDatagramBytes(options: Pick<SyncOptions, 'mtu' | 'ipVersion'>): number {
  return options.mtu - (options.ipVersion === 6 ? 40 : 20) - UDP_HEADER_BYTES;
}

/** The largest frame body: the datagram minus the frame header and AEAD tag. */
export function maxBodyBytes(options: Pick<SyncOptions, 'mtu' | 'ipVersion'>): number {
  return maxDatagramBytes(options) - FRAME_OVERHEAD;
}

export function resolveSyncOptions(overrides: Partial<SyncOptions> = {}): SyncOptions {
  const options = { ...DEFAULT_SYNC_OPTIONS, ...overrides };
  const integer = (name: keyof SyncOptions, min: number, max: number): void => {
    const value = options[name] as number;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`sync option ${name} = ${value} is invalid`, { hint: `use an integer from ${min} to ${max}` });
    }
  };
  integer('mtu', 576, 65535);
  if (options.ipVersion !== 4 && options.ipVersion !== 6) {
    throw new ConfigError(`sync option ipVersion = ${String(options.ipVersion)} is invalid`, { hint: 'use 4 or 6' });
  }
  integer('resendQueueFrames', 2, 1 << 20);
  integer('reorderWindowFrames', 1, 1 << 20);
  integer('replayWindowFrames', 64, 1 << 20);
  integer('ackEveryFrames', 1, 1 << 16);
  for (const name of ['ackDelayMs', 'nackRetryMs', 'aliveIntervalMs', 'probeMs', 'peerTimeoutMs', 'joinRetryMs', 'antiEntropyIntervalMs', 'tickMs'] as const) {
    integer(name, 1, 3_600_000);
  }
  integer('flushDelayMs', 0, 1000);
  integer('resyncRecordsPerSecond', 1, 100_000_000);
  if (!(options.resyncQueueShare > 0 && options.resyncQueueShare <= 1)) {
    throw new ConfigError(`sync option resyncQueueShare = ${options.resyncQueueShare} is invalid`, {
      hint: 'use a fraction above 0 and at most 1',
    });
  }
  if (options.peerTimeoutMs <= options.aliveIntervalMs) {
    throw new ConfigError(`sync option peerTimeoutMs (${options.peerTimeoutMs}) must exceed aliveIntervalMs (${options.aliveIntervalMs})`, {
      hint: 'a peer is declared gone after several missed heartbeats: use at least 3 x aliveIntervalMs',
    });
  }
  return options;
}
