// Pausing a schedule and what a cancelled run leaves (shared/domain/connection-pause.ts, run-cancel.ts): one test per rule.
import { describe, expect, it } from "vitest";
import type { Connection } from "../../shared/domain/connection";
import { withPause } from "../../shared/domain/connection-pause";
import { cancellable, cancelledLastRun } from "../../shared/domain/run-cancel";
import { toldFailures } from "../../shared/domain/run-failures";

const anchor = "2026-01-01T00:00:00.000Z";
const hourly: Connection = {
  id: "cn_x",
  imodelId: "imd_x",
  itwinId: "itw_x",
  name: "Plant",
  ownerId: "owner",
  owners: [{ userId: "owner", from: anchor, version: 1 }],
  files: [],
  schedule: { every: "PT1H" },
  scheduleAnchor: anchor,
  nextDueAt: "2026-01-01T01:00:00.000Z",
  synced: {},
  createdBy: "owner",
  createdAt: anchor,
  updatedAt: anchor,
  version: 1,
};
const at = (iso: string) => new Date(iso);

describe("pausing a schedule", () => {
  it("takes the due time away while paused, so the store files no due entry", () => {
    const paused = withPause(hourly, true, at("2026-01-01T00:30:00.000Z"));
    expect(paused.paused).toBe(true);
    expect(paused.nextDueAt).toBeUndefined();
  });

  it("resumes at the schedule's next occurrence strictly after now, on its cadence: nothing missed is caught up", () => {
    const paused = withPause(hourly, true, at("2026-01-01T00:30:00.000Z"));
    const resumed = withPause(paused, false, at("2026-01-01T05:30:00.000Z"));
    expect(resumed.paused).toBeUndefined();
    expect(resumed.nextDueAt).toBe("2026-01-01T06:00:00.000Z");
  });

  it("keeps a paused connection paused through an edit that does not mention the pause, even one that sets a schedule", () => {
    const paused = withPause(hourly, true, at("2026-01-01T00:30:00.000Z"));
    const rescheduled = withPause(
      { ...paused, schedule: { every: "P1D" }, nextDueAt: "2026-01-02T00:30:00.000Z" },
      undefined,
      at("2026-01-01T00:30:00.000Z"),
    );
    expect(rescheduled).toMatchObject({ paused: true, schedule: { every: "P1D" } });
    expect(rescheduled.nextDueAt).toBeUndefined();
  });

  it("changes nothing when a running schedule is resumed, and resumes a connection without a schedule to no due time", () => {
    expect(withPause(hourly, false, at("2026-01-01T00:30:00.000Z"))).toBe(hourly);
    const { schedule: _s, scheduleAnchor: _a, nextDueAt: _n, ...unscheduled } = hourly;
    const resumed = withPause({ ...unscheduled, paused: true }, false, at("2026-01-01T00:30:00.000Z"));
    expect(resumed.paused).toBeUndefined();
    expect(resumed.nextDueAt).toBeUndefined();
  });
});

describe("cancelling a run", () => {
  it.each([
    ["queued", true],
    ["running", true],
    ["succeeded", false],
    ["failed", false],
  ] as const)("a %s run can be cancelled: %s", (state, expected) => {
    expect(cancellable(state)).toBe(expected);
  });

  it("leaves the connection a last run failed/Cancelled, and is never told as a failing streak", () => {
    expect(cancelledLastRun({ id: "rn_x" }, anchor)).toEqual({
      id: "rn_x",
      state: "failed",
      reason: "Cancelled",
      finishedAt: anchor,
    });
    expect(toldFailures.Cancelled).toBe(false);
  });
});
