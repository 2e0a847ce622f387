// One tool in a side-by-side benchmark: an untimed reset before each repetition, the timed
// step, and an untimed check that the step produced the right thing. `runContenders`
// interleaves the repetitions (tool 1, tool 2, …, tool 1, …) so that a change in the machine's
// load hits every tool alike.
import { measure } from './measure.js';
import type { Sample } from './measure.js';
import type { Row } from './table.js';

export interface Contender {
  readonly label: string;
  /** Untimed, before each repetition (rep counts from 0). */
  prepare?(rep: number): Promise<void>;
  run(rep: number): Promise<unknown>;
  /** Untimed, after each repetition; throws when the result is wrong. */
  check?(rep: number): Promise<void>;
}

export async function runContenders(contenders: readonly Contender[], repeat: number): Promise<Row[]> {
  const samples = contenders.map((): Sample[] => []);
  for (let rep = 0; rep < repeat; rep++) {
    for (const [i, c] of contenders.entries()) {
      await c.prepare?.(rep);
      (samples[i] as Sample[]).push(await measure(() => c.run(rep)));
      await c.check?.(rep);
    }
  }
  return contenders.map((c, i) => ({ label: c.label, samples: samples[i] as Sample[] }));
}
