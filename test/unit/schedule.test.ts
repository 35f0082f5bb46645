// Connection schedules: intervals count from their anchor, cron expressions match in UTC, and bad ones are refused with a reason.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextDue, parseCron, scheduleProblem } from "../../shared/domain/schedule";

const d = (s: string) => new Date(s);

describe("schedules", () => {
  it("runs a daily interval at the same time every day, from its anchor", () => {
    const anchor = d("2026-03-01T10:00:00Z");
    expect(nextDue({ every: "P1D" }, anchor, anchor)).toEqual(d("2026-03-02T10:00:00Z"));
    expect(nextDue({ every: "P1D" }, anchor, d("2026-03-05T10:03:00Z"))).toEqual(d("2026-03-06T10:00:00Z"));
    expect(nextDue({ every: "PT1H" }, anchor, d("2026-03-01T12:59:59Z"))).toEqual(d("2026-03-01T13:00:00Z"));
  });

  it("finds the next cron match in UTC", () => {
    expect(nextDue({ cron: "30 2 * * *" }, d("2026-01-01T00:00:00Z"), d("2026-03-01T02:30:00Z"))).toEqual(
      d("2026-03-02T02:30:00Z"),
    );
    expect(nextDue({ cron: "0 9 * * 1-5" }, d("2026-01-01T00:00:00Z"), d("2026-03-06T10:00:00Z"))).toEqual(
      d("2026-03-09T09:00:00Z"),
    );
    expect(nextDue({ cron: "*/15 * * * *" }, d("2026-01-01T00:00:00Z"), d("2026-03-01T00:07:00Z"))).toEqual(
      d("2026-03-01T00:15:00Z"),
    );
    expect(nextDue({ cron: "0 0 29 2 *" }, d("2026-01-01T00:00:00Z"), d("2026-03-01T00:00:00Z"))).toEqual(
      d("2028-02-29T00:00:00Z"),
    );
    // Both day fields restricted: either matching is enough, as in cron.
    expect(nextDue({ cron: "0 0 1 * 0" }, d("2026-01-01T00:00:00Z"), d("2026-03-01T12:00:00Z"))).toEqual(
      d("2026-03-08T00:00:00Z"),
    );
  });

  it("refuses bad schedules with a reason", () => {
    expect(scheduleProblem({ every: "PT1M" })).toMatch(/between 5 minutes/);
    expect(scheduleProblem({ every: "P1Y" })).toMatch(/ISO 8601/);
    expect(scheduleProblem({ cron: "* * *" })).toMatch(/five fields/);
    expect(scheduleProblem({ cron: "61 * * * *" })).toMatch(/minute/);
    expect(scheduleProblem({ cron: "0 0 31 2 *" })).toMatch(/never matches/);
    expect(scheduleProblem({ every: "P1D" })).toBeUndefined();
    expect(scheduleProblem({ cron: "0 6 * * 1,3,5" })).toBeUndefined();
  });

  it("always answers a moment after the one asked, that matches the cron expression", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 23 }),
        fc.date({ min: d("2020-01-01T00:00:00Z"), max: d("2035-01-01T00:00:00Z"), noInvalidDate: true }),
        (minute, hour, after) => {
          const next = nextDue({ cron: `${minute} ${hour} * * *` }, after, after);
          expect(next.getTime()).toBeGreaterThan(after.getTime());
          expect(next.getTime() - after.getTime()).toBeLessThanOrEqual(24 * 60 * 60 * 1000);
          expect([next.getUTCMinutes(), next.getUTCHours()]).toEqual([minute, hour]);
        },
      ),
    );
  });

  it("parses Sunday as 0 or 7", () => {
    expect(parseCron("0 0 * * 7").weekdays).toEqual(new Set([0]));
  });
});
