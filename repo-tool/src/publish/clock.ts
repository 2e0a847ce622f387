// Time as an argument (STYLE.md §3): the publisher asks a Clock when it must judge ages
// (by-hash retention, pool grace); tests pass a fixed one.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(date: Date): Clock {
  return { now: () => date };
}
