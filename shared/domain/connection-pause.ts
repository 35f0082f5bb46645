// Pausing a connection's schedule (SPEC section 7): no scheduled run while paused, and nothing caught up on resume.
import type { Connection } from "./connection";
import { nextDue } from "./schedule";

/**
 * The connection after a change that may pause or resume it (`paused` undefined: the flag stays as it was).
 * Paused: no `nextDueAt`, so the store writes no due entry and the trigger never sees it (its cost does not
 * grow with paused connections). Resumed: the next occurrence strictly after `now`, on the schedule's
 * cadence: occurrences missed while paused are not caught up. A schedule set while paused waits for the resume.
 */
export function withPause(after: Connection, paused: boolean | undefined, now: Date): Connection {
  const pausedNow = paused ?? after.paused === true;
  if (pausedNow) return { ...after, paused: true, nextDueAt: undefined };
  if (!after.paused) return after;
  const { paused: _wasPaused, ...resumed } = after;
  return {
    ...resumed,
    nextDueAt: after.schedule
      ? nextDue(after.schedule, new Date(after.scheduleAnchor ?? now.toISOString()), now).toISOString()
      : undefined,
  };
}
