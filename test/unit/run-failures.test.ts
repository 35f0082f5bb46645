// Failing streaks of a connection's runs: one mail per streak, for reasons other than an expired token, from scheduled runs.
import { describe, expect, it } from "vitest";
import { afterRun, toldFailures, type RunStreak } from "../../shared/domain/run-failures";

const scheduled = (id: string) => ({ id, trigger: "scheduled" as const });
const manual = (id: string) => ({ id, trigger: "manual" as const });

describe("failing streaks", () => {
  it("tells OwnerLacksPermission and Interrupted, not an expired token, a deleted connection nor a cancelled run", () => {
    expect(toldFailures).toEqual({
      OwnerTokenExpired: false,
      OwnerLacksPermission: true,
      Interrupted: true,
      ConnectionDeleted: false,
      Cancelled: false,
    });
  });

  it("mails once when scheduled runs start failing, not again while they go on failing, and again after a success", () => {
    let streak: RunStreak = {};
    const step = (
      run: { id: string; trigger: "scheduled" | "manual" },
      state: "succeeded" | "failed",
      at: string,
      reason?: "OwnerLacksPermission" | "Interrupted" | "OwnerTokenExpired",
    ) => {
      const next = afterRun(streak, run, { state, reason }, at);
      streak = next.streak;
      return next.tell;
    };
    expect(step(scheduled("r1"), "succeeded", "d1")).toBe(false);
    expect(streak).toEqual({ lastRun: { id: "r1", state: "succeeded", finishedAt: "d1" } });
    expect(step(scheduled("r2"), "failed", "d2", "OwnerLacksPermission")).toBe(true);
    expect(step(scheduled("r3"), "failed", "d3", "Interrupted")).toBe(false);
    expect(streak).toMatchObject({
      failingSince: "d2",
      failureTold: true,
      lastRun: { id: "r3", reason: "Interrupted" },
    });
    expect(step(manual("r4"), "succeeded", "d4")).toBe(false);
    expect(streak.failingSince).toBeUndefined();
    expect(step(scheduled("r5"), "failed", "d5", "Interrupted")).toBe(true);
  });

  it("counts an expired token and manual failures into the streak without mail; a later told failure still mails once", () => {
    let { streak, tell } = afterRun({}, scheduled("r1"), { state: "failed", reason: "OwnerTokenExpired" }, "d1");
    expect(tell).toBe(false);
    expect(streak.failingSince).toBe("d1");
    ({ streak, tell } = afterRun(streak, manual("r2"), { state: "failed", reason: "OwnerLacksPermission" }, "d2"));
    expect(tell).toBe(false);
    ({ streak, tell } = afterRun(streak, scheduled("r3"), { state: "failed", reason: "OwnerLacksPermission" }, "d3"));
    expect(tell).toBe(true);
    expect(streak.failingSince).toBe("d1");
  });
});
