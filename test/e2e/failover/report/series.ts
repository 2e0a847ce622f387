// The time series the report plots around one switch: echoes per second over all flows
// (aggregate throughput) and flows alive (an echo within the live window), in fixed buckets from
// a little before the switch to the end of the observation. Pure.
import type { PhaseRecord, ScenarioResult } from '../harness/scenario-result.js';

export interface SeriesPoint {
  /** Seconds from the switch (bucket start). */
  readonly t: number;
  readonly echoesPerSecond: number;
  readonly liveFlows: number;
}

export interface PhaseSeries {
  readonly phase: string;
  readonly points: readonly SeriesPoint[];
  readonly totalFlows: number;
  /** Seconds from the switch. */
  readonly marks: readonly { readonly t: number; readonly label: string }[];
}

export interface SeriesOptions {
  readonly bucketMs: number;
  readonly beforeMs: number;
}

export function phaseSeries(result: ScenarioResult, phase: PhaseRecord, options: SeriesOptions = { bucketMs: 100, beforeMs: 3000 }): PhaseSeries {
  const { bucketMs, beforeMs } = options;
  const liveWindowMs = Math.max(1000, result.size.intervalMs * 5);
  const from = phase.startedAt - beforeMs;
  const buckets = Math.max(1, Math.ceil((phase.endedAt - from) / bucketMs));
  const echoes = new Array<number>(buckets).fill(0);
  const live = new Array<number>(buckets).fill(0);
  const flows = result.clients.flatMap((c) => c.flows);
  for (const flow of flows) {
    let j = 0;
    const times = flow.echoes;
    for (const t of times) {
      const b = Math.floor((t - from) / bucketMs);
      if (b >= 0 && b < buckets) echoes[b] = (echoes[b] ?? 0) + 1;
    }
    // live at the end of each bucket: the latest echo at or before it is young enough
    for (let b = 0; b < buckets; b++) {
      const end = from + (b + 1) * bucketMs;
      while (j < times.length && (times[j] as number) <= end) j++;
      const last = times[j - 1];
      if (last !== undefined && end - last <= liveWindowMs) live[b] = (live[b] ?? 0) + 1;
    }
  }
  const points = echoes.map((n, b) => ({ t: (b * bucketMs - beforeMs) / 1000, echoesPerSecond: (n * 1000) / bucketMs, liveFlows: live[b] ?? 0 }));
  const marks: { t: number; label: string }[] = [{ t: 0, label: phase.name === 'failover' ? 'halfone off' : 'halfone on' }];
  if (phase.vipMovedAt !== undefined) marks.push({ t: (phase.vipMovedAt - phase.startedAt) / 1000, label: `VIPs on ${phase.newMaster}` });
  const takeover = result.takeovers.find((t) => t.node === phase.newMaster && t.notifiedAt >= phase.startedAt && t.notifiedAt <= phase.endedAt);
  if (takeover?.commitEndedAt !== undefined) marks.push({ t: (takeover.commitEndedAt - phase.startedAt) / 1000, label: 'commit done' });
  return { phase: phase.name, points, totalFlows: flows.length, marks };
}
