// The clock every rule reads time from; the local stack and tests move it, Lambda never does.
import { processWide } from "./process-wide";
export interface Clock {
  now(): Date;
}

/**
 * The offset lives on the process, not in this module: the local stack can serve the esbuild bundles
 * (LOCAL_HANDLERS=bundled), each with its own copy of this module, and they must all read the clock the tests move.
 */
const state = processWide("clock", () => ({ offsetMs: 0 }));

/** Wall-clock time plus an offset that only local controls and tests change. */
export const clock: Clock = {
  now: () => new Date(Date.now() + state.offsetMs),
};

export function advanceClock(ms: number): Date {
  state.offsetMs += ms;
  return clock.now();
}

export function setClockOffset(ms: number): void {
  state.offsetMs = ms;
}

export function clockOffset(): number {
  return state.offsetMs;
}
