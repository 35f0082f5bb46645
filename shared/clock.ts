// The clock every rule reads time from; the local stack and tests move it, Lambda never does.
export interface Clock {
  now(): Date;
}

let offsetMs = 0;

/** Wall-clock time plus an offset that only local controls and tests change. */
export const clock: Clock = {
  now: () => new Date(Date.now() + offsetMs),
};

export function advanceClock(ms: number): Date {
  offsetMs += ms;
  return clock.now();
}

export function setClockOffset(ms: number): void {
  offsetMs = ms;
}

export function clockOffset(): number {
  return offsetMs;
}
