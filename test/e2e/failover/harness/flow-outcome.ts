// What happened to one flow across one switch of masters, from its echo times and the server's
// view of its translated source. A flow is kept when it was alive before the switch, works again
// within the recovery window, still works at the end of the observation, had no socket error and
// kept its NAT mapping; it is intact when, besides, no echo came back wrong during the phase
// (bytes lost or changed on the way). Pure.
import type { FlowKind } from './traffic/frame.js';
import type { FlowRecord, ServerFlowView } from './traffic/results.js';

export interface PhaseWindow {
  /** The switch (halfone's links down; halfone powered on). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly recoveryWindowMs: number;
  /** A flow is alive when its last echo is at most this old. */
  readonly liveWindowMs: number;
}

export interface FlowOutcome {
  readonly flowId: number;
  readonly kind: FlowKind;
  readonly host: string;
  readonly collides: boolean;
  /** SNAT gave it another source port than the client's. */
  readonly remapped: boolean;
  readonly aliveBefore: boolean;
  /** Longest time without an echo from the last echo before the switch to the end. */
  readonly longestGapMs: number;
  /** The echo that ended the longest gap (undefined: the flow never came back). */
  readonly resumedAt: number | undefined;
  readonly kept: boolean;
  /** Echoes that came back wrong during the phase, with what was wrong. */
  readonly corrupted: readonly { readonly at: number; readonly what: string }[];
  /** Why it is not kept, or not intact ('' when kept and intact). */
  readonly why: string;
}

export function flowOutcome(flow: FlowRecord, view: ServerFlowView | undefined, w: PhaseWindow): FlowOutcome {
  const before = flow.echoes.filter((t) => t <= w.startedAt).at(-1);
  const aliveBefore = before !== undefined && w.startedAt - before <= w.liveWindowMs;
  const points = [...(before === undefined ? [] : [before]), ...flow.echoes.filter((t) => t > w.startedAt && t <= w.endedAt), w.endedAt];
  let longestGapMs = 0;
  let resumedAt: number | undefined;
  for (let i = 1; i < points.length; i++) {
    const gap = (points[i] as number) - (points[i - 1] as number);
    if (gap > longestGapMs) {
      longestGapMs = gap;
      resumedAt = i === points.length - 1 ? undefined : points[i];
    }
  }
  const lastEcho = flow.echoes.filter((t) => t <= w.endedAt).at(-1);
  const errors = flow.errors.filter((e) => e.at > w.startedAt && e.at <= w.endedAt);
  const changes = view?.changes.filter((c) => c.at > w.startedAt && c.at <= w.endedAt) ?? [];
  const corrupted = flow.badEchoes.filter((b) => b.at > w.startedAt && b.at <= w.endedAt);
  const remapped = view !== undefined && (flow.kind === 'tcp' || flow.kind === 'udp') && view.port !== flow.localPort;
  const why = !aliveBefore
    ? 'not alive before the switch'
    : errors.length > 0
      ? `socket ${errors.map((e) => e.what).join(', ')}`
      : changes.length > 0
        ? `NAT mapping changed to ${changes[0]?.address}:${changes[0]?.port}`
        : lastEcho === undefined || w.endedAt - lastEcho > w.liveWindowMs
          ? 'silent at the end'
          : longestGapMs > w.recoveryWindowMs
            ? `gap of ${Math.round(longestGapMs)} ms`
            : '';
  const kept = why === '';
  const damage = corrupted.length === 0 ? '' : `${corrupted.length} wrong echo${corrupted.length === 1 ? '' : 'es'} (${corrupted[0]?.what})`;
  return { flowId: flow.flowId, kind: flow.kind, host: flow.host, collides: flow.collides, remapped, aliveBefore, longestGapMs, resumedAt, kept, corrupted, why: kept ? damage : why };
}
