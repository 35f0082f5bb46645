// Streaks of failing runs (SPEC section 3): the owner hears once when scheduled runs start failing for a reason other than an expired token.
import type { Run, RunReason } from "./connection";

/** Failures the owner is told about: an expired token has its own notice (the token mails), a deleted connection has nobody to tell. */
export const toldFailures: Record<RunReason, boolean> = {
  OwnerTokenExpired: false,
  OwnerLacksPermission: true,
  Interrupted: true,
  ConnectionDeleted: false,
  /** Someone chose to stop it; a cancellation does not even enter the streak (./run-cancel.ts). */
  Cancelled: false,
};

/** What the connection keeps about its runs: the last one, and since when they fail. */
export interface RunStreak {
  lastRun?: { id: string; state: "succeeded" | "failed"; reason?: RunReason; finishedAt: string };
  /** When the first failed run since the last success ended; absent while runs succeed. */
  failingSince?: string;
  /** The streak's mail was recorded: no other until a run succeeds. */
  failureTold?: boolean;
}

/**
 * The streak after a run ends, and whether its owner is mailed now: a success ends the streak; a
 * scheduled run failing for a told reason mails once per streak (manual runs are seen by whoever
 * started them, so they move the streak but mail nobody).
 */
export function afterRun(
  before: RunStreak,
  run: Pick<Run, "id" | "trigger">,
  outcome: { state: "succeeded" | "failed"; reason?: RunReason },
  at: string,
): { streak: RunStreak; tell: boolean } {
  const lastRun = {
    id: run.id,
    state: outcome.state,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    finishedAt: at,
  };
  if (outcome.state === "succeeded") return { streak: { lastRun }, tell: false };
  const tell = run.trigger === "scheduled" && !!outcome.reason && toldFailures[outcome.reason] && !before.failureTold;
  return {
    streak: { lastRun, failingSince: before.failingSince ?? at, failureTold: before.failureTold || tell },
    tell,
  };
}
