// An in-memory network for protocol tests: every attached endpoint gets a Channel; datagrams are
// lost, duplicated and delayed (hence reordered) at random, driven by a Clock (a FakeClock in
// tests) and a seeded Prng, so a failing run can be replayed exactly. Sending without a peer
// reaches every other endpoint (multicast semantics). Tests can also cut endpoints off, tap every
// datagram, and inject frames as any source address (forgeries, replays, foreign clusters).
import type { Clock } from '../sync/clock.js';
import type { Channel, ChannelErrorHandler, FrameHandler } from './channel.js';
import { Prng } from './prng.js';

export interface NetworkConditions {
  /** Probability that a datagram is lost, per destination (0..1). */
  readonly loss: number;
  /** Probability that a delivered datagram arrives twice. */
  readonly duplicate: number;
  /** Each copy is delayed uniformly within [minDelayMs, maxDelayMs]. */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

export type NetworkTap = (frame: Uint8Array, from: string, to: string) => void;

interface Endpoint {
  readonly address: string;
  up: boolean;
  handler: FrameHandler | undefined;
  readonly errorHandlers: ChannelErrorHandler[];
}

export class SimulatedNetwork {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0 };
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly taps: NetworkTap[] = [];
  /** "from>to" pairs whose datagrams are lost: a failure in one direction only. */
  private readonly blocked = new Set<string>();
  private readonly prng: Prng;
  private conditions: NetworkConditions;

  constructor(
    private readonly clock: Clock,
    conditions: Partial<NetworkConditions> & { readonly seed: number },
  ) {
    this.prng = new Prng(conditions.seed);
    this.conditions = { loss: 0, duplicate: 0, minDelayMs: 0, maxDelayMs: 0, ...conditions };
  }

  setConditions(conditions: Partial<NetworkConditions>): void {
    this.conditions = { ...this.conditions, ...conditions };
  }

  /** A channel for the endpoint at `address` (replacing any earlier one: a restarted node). */
  attach(address: string): Channel {
    const endpoint: Endpoint = { address, up: true, handler: undefined, errorHandlers: [] };
    this.endpoints.set(address, endpoint);
    const network = this;
    return {
      send(frame, peer) {
        network.transmit(endpoint, frame, peer);
      },
      sendOnEveryLink(makeFrame) {
        network.transmit(endpoint, makeFrame(0), undefined);
      },
      onMessage(handler) {
        endpoint.handler = handler;
      },
      onError(handler) {
        endpoint.errorHandlers.push(handler);
      },
      async close() {
        endpoint.up = false;
        endpoint.handler = undefined;
        if (network.endpoints.get(address) === endpoint) network.endpoints.delete(address);
      },
    };
  }

  /** Cuts an endpoint off (or reconnects it): nothing reaches it or leaves it meanwhile. */
  setUp(address: string, up: boolean): void {
    const endpoint = this.endpoints.get(address);
    if (endpoint !== undefined) endpoint.up = up;
  }

  /** Loses every datagram from `from` to `to` (or delivers them again): a one-way failure. */
  block(from: string, to: string, blocked = true): void {
    if (blocked) this.blocked.add(`${from}>${to}`);
    else this.blocked.delete(`${from}>${to}`);
  }

  /** Sees every datagram as it is sent (before loss). */
  tap(tap: NetworkTap): void {
    this.taps.push(tap);
  }

  /** Delivers bytes to `to` (or every endpoint) as if sent from `from`, without loss or delay. */
  inject(frame: Uint8Array, from: string, to?: string): void {
    for (const endpoint of this.endpoints.values()) {
      if (to !== undefined ? endpoint.address !== to : endpoint.address === from) continue;
      endpoint.handler?.(Uint8Array.from(frame), from);
    }
  }

  private transmit(source: Endpoint, frame: Uint8Array, peer: string | undefined): void {
    if (!source.up) {
      const error = Object.assign(new Error(`simulated link of ${source.address} is down`), { code: 'ENETDOWN' });
      for (const handler of source.errorHandlers) handler(error);
      return;
    }
    for (const endpoint of this.endpoints.values()) {
      if (endpoint === source || (peer !== undefined && endpoint.address !== peer)) continue;
      this.stats.sent++;
      for (const tap of this.taps) tap(frame, source.address, endpoint.address);
      if (this.prng.next() < this.conditions.loss || this.blocked.has(`${source.address}>${endpoint.address}`)) {
        this.stats.lost++;
        continue;
      }
      const copies = this.prng.next() < this.conditions.duplicate ? 2 : 1;
      if (copies === 2) this.stats.duplicated++;
      for (let i = 0; i < copies; i++) this.deliverLater(endpoint, Uint8Array.from(frame), source.address);
    }
  }

  private deliverLater(endpoint: Endpoint, frame: Uint8Array, from: string): void {
    const { minDelayMs, maxDelayMs } = this.conditions;
    const delay = minDelayMs + this.prng.next() * (maxDelayMs - minDelayMs);
    this.clock.setTimeout(() => {
      if (!endpoint.up || endpoint.handler === undefined || this.endpoints.get(endpoint.address) !== endpoint) return;
      this.stats.delivered++;
      endpoint.handler(frame, from);
    }, delay);
  }
}
