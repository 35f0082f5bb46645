// Cancelling a run (SPEC section 7): which runs may be cancelled and what the connection keeps of a cancelled one.
import { isActive, type Run, type RunState } from "./connection";
import type { RunStreak } from "./run-failures";

/** Only a run that has not ended: `queued` or `running`; an ended run answers 409 `RunEnded`. */
export const cancellable = (state: RunState): boolean => isActive(state);

/**
 * What a cancelled run leaves on its connection: it is the last run (`failed`, `Cancelled`), but someone chose
 * to stop it, so it neither starts nor ends a failing streak (`failingSince` and its mail stay as they were).
 */
export function cancelledLastRun(run: Pick<Run, "id">, at: string): NonNullable<RunStreak["lastRun"]> {
  return { id: run.id, state: "failed", reason: "Cancelled", finishedAt: at };
}
